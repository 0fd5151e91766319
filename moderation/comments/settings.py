"""The owner's side: the spam rules and settings, and the moderators. Every change goes
to the audit log, naming who made it.

Plain functions like the rest of the domain: they change state and never look at the
request, flash a message or commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..accounts import moderators
from ..accounts.models import Moderator, Role
from ..core.exceptions import DomainError
from ..core.i18n import Text, _, english
from ..core.text import email_problem, normalize_email
from ..notify import links
from ..notify.outbox import MODERATOR, enqueue_mail
from ..spam import rules
from ..spam.models import RuleAction, RuleKind, SpamRule
from .audit import record

# What a rule matches, as the settings page says it.
RULE_TEXTS = {
    RuleKind.WORD: _("word %(pattern)s in %(fields)s"),
    RuleKind.REGEX: _("pattern %(pattern)s in %(fields)s"),
    RuleKind.EMAIL: _("address %(pattern)s"),
    RuleKind.DOMAIN: _("domain %(pattern)s"),
    RuleKind.NETWORK: _("IP range %(pattern)s"),
}
ACTION_LABELS = {RuleAction.SPAM: _("spam"), RuleAction.HOLD: _("hold")}
# As the audit log names them (in English, like the rest of the log).
KIND_LABELS = {
    RuleKind.WORD: "word",
    RuleKind.REGEX: "pattern",
    RuleKind.EMAIL: "address",
    RuleKind.DOMAIN: "domain",
    RuleKind.NETWORK: "IP range",
}


class _Places:
    """The fields a rule looks in, named in the language the rule is shown in."""

    def __init__(self, names: Sequence[str]) -> None:
        self.names = names

    def __str__(self) -> str:
        return ", ".join(str(rules.FIELDS[name]) for name in self.names)


def rule_text(rule: SpamRule) -> Text:
    """``word 'casino' in name, text``: what a rule matches, in the reader's language."""
    return RULE_TEXTS[rule.kind](pattern=repr(rule.pattern), fields=_Places(rule.fields.split()))


def describe_rule(rule: SpamRule) -> str:
    """``spam word 'casino' in name, text``: the rule as the audit log says it."""
    where = ""
    if rule.fields:
        where = " in " + ", ".join(english(rules.FIELDS[name]) for name in rule.fields.split())
    return f"{rule.action.value} {KIND_LABELS[rule.kind]} {rule.pattern!r}{where}"


def require_owner(moderator: Moderator) -> None:
    if not moderator.is_owner or not moderator.active:
        raise DomainError(_("Only an owner can change the settings and the moderators."))


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


# --- invitations ------------------------------------------------------------------------

# An invitation link works for this long (and once: the account it makes ends it).
INVITATION_MAX_AGE = 3 * 24 * 60 * 60


def invite(owner: Moderator, email: str, role: Role, *, secret_key: str) -> str:
    """Send ``email`` an invitation to moderate, through the outbox (in the caller's
    transaction): a signed link, valid for three days, where they choose a password.
    Returns the address as it will be stored."""
    require_owner(owner)
    address = normalize_email(email)
    problem = email_problem(address)
    if problem:
        raise DomainError(problem, field="email")
    if moderators.find_moderator(address) is not None:
        raise DomainError(
            _("There is already a moderator %(email)s.", email=address), field="email"
        )
    token = links.sign(
        secret_key, links.INVITATION, {"email": address, "role": role.value, "by": owner.id}
    )
    enqueue_mail(
        address,
        template="mail/invitation",
        subject=_("You are invited to moderate comments"),
        context={
            "token": token,
            "role": role.value,
            "max_age_days": INVITATION_MAX_AGE // 86400,
        },
        audience=MODERATOR,
        # In the inviting owner's language (else the default).
        locale=owner.locale,
    )
    record(None, owner, "invited", detail=f"{address} as {role.value}")
    return address


@dataclass(frozen=True)
class Invitation:
    email: str
    role: Role
    invited_by: int | None


def read_invitation(token: str, *, secret_key: str) -> Invitation:
    """What a link invites to, or a DomainError: forged, expired, or used already."""
    try:
        payload, _issued = links.verify(secret_key, links.INVITATION, token, INVITATION_MAX_AGE)
    except links.LinkError as exc:
        raise DomainError(
            _("This invitation link has expired: ask an owner for a new one.")
            if exc.expired
            else exc.message
        ) from exc
    try:
        invitation = Invitation(
            email=str(payload["email"]),
            role=Role(payload["role"]),
            invited_by=int(payload["by"]) if payload.get("by") is not None else None,
        )
    except (KeyError, ValueError, TypeError):
        raise DomainError(_("This link is not valid: it may be incomplete or altered.")) from None
    if moderators.find_moderator(invitation.email) is not None:
        raise DomainError(_("This invitation was used already: log in instead."))
    return invitation


def accept_invitation(token: str, password: str, *, secret_key: str) -> Moderator:
    """Make the invited moderator's account with the password they chose."""
    invitation = read_invitation(token, secret_key=secret_key)
    moderator = moderators.create_moderator(invitation.email, password, role=invitation.role)
    detail = f"{_subject(moderator)} ({invitation.role.value})"
    if invitation.invited_by is not None:
        detail += f", invited by moderator #{invitation.invited_by}"
    record(None, moderator, "joined", detail=detail)
    return moderator
