"""The tables of the spam checks: the owner's rules and settings, and the learning
filter's statistics. All of them live in the database, so every worker and host reads
the same rules and the same filter, and nothing leaves the server."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Float, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..core.database import Model, UTCDateTime, string_enum, utcnow


class RuleAction(enum.StrEnum):
    """What a matching rule does to a comment."""

    HOLD = "hold"  # pending, with the reason shown to the moderators
    SPAM = "spam"  # straight to the spam tab


class RuleKind(enum.StrEnum):
    """How a rule's pattern is matched."""

    WORD = "word"  # a plain word or phrase, any case
    REGEX = "regex"  # a regular expression, any case, run with a time limit
    EMAIL = "email"  # one address, exactly
    DOMAIN = "domain"  # an address's domain, or any of its subdomains
    NETWORK = "network"  # an IP address or a CIDR range of the sender


class ReturningAuthors(enum.StrEnum):
    """What happens to a comment from someone who was published before."""

    PREMODERATE = "premoderate"  # every comment waits, whoever wrote it
    CONFIRMED = "confirmed"  # a confirmed address with an approved comment is published


class SpamRule(Model):
    """One line of the owner's lists: a word, a pattern, an address, a domain or a range."""

    __tablename__ = "spam_rule"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    action: Mapped[RuleAction] = mapped_column(string_enum(RuleAction, "spam_rule_action"))
    kind: Mapped[RuleKind] = mapped_column(string_enum(RuleKind, "spam_rule_kind"))
    pattern: Mapped[str] = mapped_column(String(300))
    # Where a word or a pattern is looked for: some of "name email website body ip",
    # separated by spaces. Addresses, domains and ranges have their own field.
    fields: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<SpamRule {self.id} {self.action.value} {self.kind.value}>"


# The learning filter's thresholds until the owner sets others: above the first a comment
# goes to the spam tab, above the second it is held with the filter's reason.
DEFAULT_SPAM_THRESHOLD = 0.965
DEFAULT_HOLD_THRESHOLD = 0.8


class SpamSettings(Model):
    """The owner's settings for the checks: one row, id 1, made on first use."""

    __tablename__ = "spam_settings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # More links than this in the text: held.
    max_links: Mapped[int] = mapped_column(Integer, default=3)
    # The learning filter's probability above which a comment goes to the spam tab, or
    # is held with the reason; it acts only once it has seen enough decisions.
    spam_threshold: Mapped[float] = mapped_column(Float, default=DEFAULT_SPAM_THRESHOLD)
    hold_threshold: Mapped[float] = mapped_column(Float, default=DEFAULT_HOLD_THRESHOLD)
    returning_authors: Mapped[ReturningAuthors] = mapped_column(
        string_enum(ReturningAuthors, "spam_returning_authors"),
        default=ReturningAuthors.PREMODERATE,
    )
    # Goes up by one with every change of the rules or settings: each process keeps its
    # compiled rules for one version, so a change applies at once everywhere.
    version: Mapped[int] = mapped_column(Integer, default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class FilterTotals(Model):
    """How many decisions the learning filter has seen, and how many tokens they carried
    (each token once per decision), spam and honest: one row, id 1."""

    __tablename__ = "spam_filter_totals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    spam: Mapped[int] = mapped_column(Integer, default=0)
    ham: Mapped[int] = mapped_column(Integer, default=0)
    spam_tokens: Mapped[int] = mapped_column(Integer, default=0)
    ham_tokens: Mapped[int] = mapped_column(Integer, default=0)


class FilterToken(Model):
    """How many spam and honest decisions carried one token."""

    __tablename__ = "spam_filter_token"

    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    spam: Mapped[int] = mapped_column(Integer, default=0)
    ham: Mapped[int] = mapped_column(Integer, default=0)
