"""The owner's side: the spam rules and settings, and the moderators. Every change goes
to the audit log, naming who made it.

Plain functions like the rest of the domain: they change state and never look at the
request, flash a message or commit.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..accounts import moderators
from ..accounts.models import Moderator, Role
from ..core.exceptions import DomainError
from ..spam import rules
from ..spam.models import RuleAction, RuleKind, SpamRule
from .audit import record

KIND_LABELS = {
    RuleKind.WORD: "word",
    RuleKind.REGEX: "pattern",
    RuleKind.EMAIL: "address",
    RuleKind.DOMAIN: "domain",
    RuleKind.NETWORK: "IP range",
}


def describe_rule(rule: SpamRule) -> str:
    """``spam word 'casino' in name, text`` — the rule as the log and the page say it."""
    where = ""
    if rule.fields:
        where = " in " + ", ".join(rules.FIELDS[name] for name in rule.fields.split())
    return f"{rule.action.value} {KIND_LABELS[rule.kind]} {rule.pattern!r}{where}"


def require_owner(moderator: Moderator) -> None:
    if not moderator.is_owner or not moderator.active:
        raise DomainError("Only an owner can change the settings and the moderators.")


def add_rule(
    owner: Moderator, action: RuleAction, kind: RuleKind, pattern: str, fields: Sequence[str]
) -> SpamRule:
    """Add a rule (checked first: a regular expression must be readable and fast)."""
    require_owner(owner)
    rule = rules.add_rule(action, kind, pattern, fields)
    record(None, owner, "rule added", detail=f"#{rule.id}: {describe_rule(rule)}")
    return rule


def remove_rule(owner: Moderator, rule: SpamRule) -> None:
    require_owner(owner)
    detail = f"#{rule.id}: {describe_rule(rule)}"
    rules.remove_rule(rule)
    record(None, owner, "rule removed", detail=detail)


def save_settings(owner: Moderator, change: rules.SettingsChange) -> list[str]:
    """Save the checks' settings; the log says what changed."""
    require_owner(owner)
    changes = rules.save_settings(change)
    if changes:
        record(None, owner, "settings", detail="; ".join(changes))
    return changes


def _subject(moderator: Moderator) -> str:
    return f"moderator #{moderator.id}"


def change_role(owner: Moderator, moderator: Moderator, role: Role) -> Moderator:
    """Make someone an owner or a moderator; the last active owner stays one."""
    require_owner(owner)
    before = moderator.role
    if before == role:
        return moderator
    moderators.set_role(moderator, role)
    record(None, owner, "role", detail=f"{_subject(moderator)}: {before.value} → {role.value}")
    return moderator


def set_active(owner: Moderator, moderator: Moderator, active: bool) -> Moderator:
    """Disable or re-enable a moderator (never the last active owner)."""
    require_owner(owner)
    if moderator.active == active:
        return moderator
    moderators.set_moderator_active(moderator.email, active)
    record(None, owner, "enabled" if active else "disabled", detail=_subject(moderator))
    return moderator


def set_display_name(moderator: Moderator, name: str) -> Moderator:
    """A moderator's own choice of how site replies are signed."""
    before = moderator.display_name
    moderators.set_display_name(moderator, name)
    if moderator.display_name != before:
        record(
            None,
            moderator,
            "display name",
            detail=f"{_subject(moderator)}: {moderator.display_name or '(the site)'}",
        )
    return moderator
