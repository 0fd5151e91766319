"""The parts of a full export, one per table, in the order a restore needs them.

Another area adds its own table to the export (and to ``import json``) by registering
a section: ``register(Section("rules", table_of(Rule)))``, after the sections its rows
point to. Columns listed in ``private`` never leave the database (a password hash);
``restore_values`` fills them back in on a restore.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import Table

from ..accounts.models import Moderator
from ..comments.models import Article, Comment, ModerationEvent
from ..core.i18n import Text, _
from ..notify.models import EmailAddress, NotificationPreference
from ..spam.models import SpamRule, SpamSettings


def table_of(model: Any) -> Table:
    return cast(Table, model.__table__)


@dataclass(frozen=True)
class Section:
    name: str
    table: Table
    # Never exported; restored as ``restore_values`` says.
    private: frozenset[str] = frozenset()
    restore_values: dict[str, Any] = field(default_factory=dict)
    # Columns that point at a row of the same table (a reply's parent): a row pointing
    # at one that comes later is linked once both are in.
    self_references: tuple[str, ...] = ()
    # Besides the primary key, columns whose value must be unique (an email).
    unique: tuple[str, ...] = ()
    # What the section holds, for a person reading the export.
    description: str | Text = ""

    @property
    def key(self) -> str:
        return str(next(iter(self.table.primary_key.columns)).name)

    @property
    def columns(self) -> list[str]:
        return [c.name for c in self.table.columns if c.name not in self.private]


SECTIONS: list[Section] = [
    Section(
        "articles",
        table_of(Article),
        description=_("Every article, with its title, address and whether it is closed."),
    ),
    Section(
        "moderators",
        table_of(Moderator),
        private=frozenset({"password_hash", "session_version"}),
        # An empty hash matches no password: a restored moderator is given a new one.
        restore_values={"password_hash": "", "session_version": 1},
        unique=("email",),
        description=_("Every moderator, without the password hash."),
    ),
    Section(
        "comments",
        table_of(Comment),
        # Derived from the text, and given back from it when a row is restored.
        private=frozenset({"body_digest"}),
        self_references=("parent_id",),
        description=_("Every comment, in every status, with the email and IP address."),
    ),
    Section(
        "audit_events",
        table_of(ModerationEvent),
        description=_("The audit log: who did what to which comment or article, and when."),
    ),
    Section(
        "email_addresses",
        table_of(EmailAddress),
        unique=("email",),
        description=_("Readers' addresses: asked to confirm, confirmed, unsubscribed."),
    ),
    Section(
        "notification_preferences",
        table_of(NotificationPreference),
        description=_("How each moderator wants to hear of new comments."),
    ),
    Section(
        "spam_rules",
        table_of(SpamRule),
        description=_("The owner's hold and spam rules."),
    ),
    Section(
        "spam_settings",
        table_of(SpamSettings),
        description=_("The owner's spam settings: links, the filter's thresholds, trust."),
    ),
]
# Not exported: the outbox (messages in flight), rate-limit counters, spent form tokens,
# and the learning filter's statistics, which `flask spam retrain` rebuilds from the
# comments' stored decisions.


def register(section: Section) -> None:
    """Add a table to the export and the restore (after the ones registered before)."""
    if any(existing.name == section.name for existing in SECTIONS):
        raise ValueError(f"an export section is already called {section.name!r}")
    SECTIONS.append(section)


def section(name: str) -> Section | None:
    return next((s for s in SECTIONS if s.name == name), None)
