"""The owner's rules: reading them (compiled once per settings version, so a change
applies at once in every process), checking a new rule before it is saved, and
matching a submission against them.

Plain functions, like the rest of the domain: they change state and never commit.
"""

from __future__ import annotations

import ipaddress
import logging
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from threading import Lock

import regex
from sqlalchemy import select, update

from ..core.database import db, insert_unless_present, utcnow
from ..core.exceptions import DomainError
from ..core.i18n import Text, _, _n
from ..core.text import control_characters, normalize_email
from .models import (
    DEFAULT_HOLD_THRESHOLD,
    DEFAULT_SPAM_THRESHOLD,
    ReturningAuthors,
    RuleAction,
    RuleKind,
    SpamRule,
    SpamSettings,
)

log = logging.getLogger(__name__)

SETTINGS_ID = 1
PATTERN_MAX = 300
# Where words and patterns may be looked for, with the label the dashboard shows.
FIELDS = {
    "name": _("name"),
    "email": _("email"),
    "website": _("website"),
    "body": _("text"),
    "ip": _("IP address"),
}
TEXT_FIELDS = ("name", "email", "website", "body")
# A regular expression gets this long per field it reads; past it, the rule counts as
# not matching and the log says which rule was too slow.
REGEX_TIMEOUT = 0.05
# A new regular expression must get through these inputs (built to trip backtracking)
# within this many seconds, or it is refused.
PROBE_TIMEOUT = 0.2
PROBE_LENGTH = 5000
MAX_LINKS_MAX = 1000

LINK_RE = re.compile(r"https?://|www\.", re.IGNORECASE)


@dataclass(frozen=True)
class Fields:
    """What a submission is matched on."""

    name: str
    email: str
    website: str
    body: str
    ip: str = ""

    def get(self, name: str) -> str:
        return str(getattr(self, name))


@dataclass(frozen=True)
class Match:
    """One rule that fired: its action, a code for the queue's filter, and why."""

    action: RuleAction
    code: str
    reason: Text


# Why a rule fired, stored in English with the comment (the owner's pattern quoted as it
# is) and told again in the moderator's language by ``checks.explain``. A rule of
# MODERATION_BLOCKLIST alone, never stored, has no number.
MATCHED = {
    RuleKind.WORD: _("matched word %(pattern)s in the %(field)s (rule #%(id)d)"),
    RuleKind.REGEX: _("matched pattern %(pattern)s in the %(field)s (rule #%(id)d)"),
    RuleKind.EMAIL: _("matched blocked address %(pattern)s (rule #%(id)d)"),
    RuleKind.DOMAIN: _("matched blocked domain %(pattern)s (rule #%(id)d)"),
    RuleKind.NETWORK: _("matched blocked range %(pattern)s (rule #%(id)d)"),
}
MATCHED_UNNUMBERED = _("matched word %(pattern)s in the %(field)s")
LINKS = _n("%(num)d link in the text", "%(num)d links in the text")


@dataclass(frozen=True)
class CompiledRule:
    rule_id: int
    action: RuleAction
    kind: RuleKind
    pattern: str
    fields: tuple[str, ...]
    compiled: regex.Pattern[str] | None = None
    network: ipaddress.IPv4Network | ipaddress.IPv6Network | None = None

    @property
    def code(self) -> str:
        """``spam-word``, ``hold-regex``, ``spam-email``… for the filter by reason."""
        return f"{self.action.value}-{self.kind.value}"

    def reason(self, where: str) -> Text:
        """Why the rule fired, having matched in the field ``where`` ("" for addresses
        and ranges)."""
        values: dict[str, object] = {"pattern": repr(self.pattern)}
        if where:
            values["field"] = FIELDS[where]
        if self.rule_id <= 0:
            return MATCHED_UNNUMBERED(**values)
        return MATCHED[self.kind](id=self.rule_id, **values)

    def match(self, fields: Fields) -> str | None:
        """The field the rule matched in ("" for addresses and ranges), or None."""
        if self.kind == RuleKind.EMAIL:
            return "" if normalize_email(fields.email) == self.pattern else None
        if self.kind == RuleKind.DOMAIN:
            domain = normalize_email(fields.email).rpartition("@")[2]
            return "" if domain == self.pattern or domain.endswith("." + self.pattern) else None
        if self.kind == RuleKind.NETWORK:
            try:
                address = ipaddress.ip_address(fields.ip)
            except ValueError:
                return None
            assert self.network is not None
            return (
                "" if address.version == self.network.version and address in self.network else None
            )
        assert self.compiled is not None
        for name in self.fields:
            value = fields.get(name)
            if not value:
                continue
            try:
                if self.compiled.search(value, timeout=REGEX_TIMEOUT):
                    return name
            except TimeoutError:
                log.warning("Rule #%d took too long on a comment's %s; skipped", self.rule_id, name)
        return None


@dataclass(frozen=True)
class RuleSet:
    """Everything a new comment is checked against, as of one settings version."""

    # The settings row's version and last change: a process reuses its compiled rules
    # only while both are the same (a database emptied and made again starts at 1 too).
    stamp: tuple[int, datetime]
    version: int
    max_links: int = 3
    spam_threshold: float = DEFAULT_SPAM_THRESHOLD
    hold_threshold: float = DEFAULT_HOLD_THRESHOLD
    returning_authors: ReturningAuthors = ReturningAuthors.PREMODERATE
    rules: tuple[CompiledRule, ...] = ()

    def matches(self, fields: Fields) -> list[Match]:
        """Every rule that fires on ``fields``, in the order they were added."""
        found: list[Match] = []
        links = len(LINK_RE.findall(fields.body))
        if links > self.max_links:
            found.append(Match(RuleAction.HOLD, "links", LINKS(num=links)))
        for rule in self.rules:
            where = rule.match(fields)
            if where is not None:
                found.append(Match(rule.action, rule.code, rule.reason(where)))
        return found


# --- checking a rule before it is saved ----------------------------------------------


def word_pattern(word: str) -> regex.Pattern[str]:
    """A plain word or phrase, any case, on word boundaries when it starts or ends with a
    letter or digit ("ass" does not match "class"; "$$$" matches anywhere)."""
    escaped = regex.escape(word)
    start = r"\b" if word[:1].isalnum() else ""
    end = r"\b" if word[-1:].isalnum() else ""
    return regex.compile(start + escaped + end, regex.IGNORECASE | regex.UNICODE)


PROBE_UNITS = ("a", "aa", "ab", "1", " ", "a ", ".", "-", "a.", "x@", "0a")


def probe_inputs(pattern: str = "") -> list[str]:
    """Inputs that make a backtracking pattern take exponential or polynomial time: long
    runs of common characters and of every literal character of ``pattern``, each ended
    by one that makes the match fail late."""
    literals = [c for c in dict.fromkeys(pattern) if c.isprintable() and c not in "()[]{}|?*+^$\\"]
    inputs: list[str] = []
    for unit in (*PROBE_UNITS, *literals[:24]):
        body = unit * (PROBE_LENGTH // len(unit))
        inputs.extend((body + "!", body + "\n" + "!" * 3))
    return inputs


def check_regex(pattern: str) -> regex.Pattern[str]:
    """Compile a rule's regular expression, or refuse it with a reason: a syntax error,
    or too slow on inputs built to trip catastrophic backtracking."""
    try:
        compiled = regex.compile(pattern, regex.IGNORECASE | regex.UNICODE)
    except regex.error as exc:
        raise DomainError(
            _("That regular expression cannot be read: %(error)s.", error=str(exc)),
            field="pattern",
        ) from None
    started = time.monotonic()
    for probe in probe_inputs(pattern):
        try:
            compiled.search(probe, timeout=PROBE_TIMEOUT)
        except TimeoutError:
            raise DomainError(
                _(
                    "That regular expression can take far too long on some texts (nested "
                    "repetition such as (a+)+ backtracks without end); write it more simply."
                ),
                field="pattern",
            ) from None
        if time.monotonic() - started > PROBE_TIMEOUT * 4:
            raise DomainError(
                _("That regular expression is too slow on long texts; write it more simply."),
                field="pattern",
            )
    return compiled


def clean_pattern(kind: RuleKind, pattern: str) -> str:
    """The pattern as it will be stored, or a DomainError naming what is wrong."""
    pattern = pattern.strip()
    if not pattern:
        raise DomainError(_("Enter a word, a pattern, an address or a range."), field="pattern")
    if len(pattern) > PATTERN_MAX:
        raise DomainError(_("Keep it under %(max)d characters.", max=PATTERN_MAX), field="pattern")
    if control_characters(pattern):
        raise DomainError(_("Control characters cannot be matched here."), field="pattern")
    if kind == RuleKind.EMAIL:
        pattern = normalize_email(pattern)
        if "@" not in pattern or " " in pattern:
            raise DomainError(_("Enter one address, like someone@example.com."), field="pattern")
    elif kind == RuleKind.DOMAIN:
        pattern = pattern.lower().lstrip("@").rstrip(".")
        if pattern.startswith("*."):
            pattern = pattern[2:]
        if not pattern or "@" in pattern or " " in pattern or "." not in pattern:
            raise DomainError(
                _("Enter a domain, like example.com (its subdomains are blocked too)."),
                field="pattern",
            )
    elif kind == RuleKind.NETWORK:
        try:
            pattern = str(ipaddress.ip_network(pattern, strict=False))
        except ValueError:
            raise DomainError(
                _("Enter an IP address or a range, like 203.0.113.0/24 or 2001:db8::/32."),
                field="pattern",
            ) from None
    elif kind == RuleKind.REGEX:
        check_regex(pattern)
    return pattern


def clean_fields(kind: RuleKind, fields: Sequence[str]) -> str:
    if kind not in (RuleKind.WORD, RuleKind.REGEX):
        return ""
    chosen = [name for name in FIELDS if name in fields]
    if not chosen:
        raise DomainError(
            _("Choose where to look: name, email, website, text or IP."), field="fields"
        )
    return " ".join(chosen)


def compile_rule(rule: SpamRule) -> CompiledRule | None:
    """A stored rule ready to match; None (and a warning) for one that no longer compiles."""
    fields = tuple(rule.fields.split())
    try:
        if rule.kind == RuleKind.WORD:
            return CompiledRule(
                rule.id, rule.action, rule.kind, rule.pattern, fields, word_pattern(rule.pattern)
            )
        if rule.kind == RuleKind.REGEX:
            compiled = regex.compile(rule.pattern, regex.IGNORECASE | regex.UNICODE)
            return CompiledRule(rule.id, rule.action, rule.kind, rule.pattern, fields, compiled)
        if rule.kind == RuleKind.NETWORK:
            network = ipaddress.ip_network(rule.pattern, strict=False)
            return CompiledRule(rule.id, rule.action, rule.kind, rule.pattern, (), network=network)
    except (regex.error, ValueError):
        log.warning("Rule #%d cannot be compiled; it is ignored", rule.id)
        return None
    return CompiledRule(rule.id, rule.action, rule.kind, rule.pattern, ())


# --- reading the rules ------------------------------------------------------------------

_cache_lock = Lock()
_cache: dict[str, RuleSet] = {}


def settings_row(initial_hold_words: Sequence[str] = ()) -> SpamSettings:
    """The settings row, made on first use with the defaults; the call that makes it
    also turns ``initial_hold_words`` (``MODERATION_BLOCKLIST``) into hold rules."""
    row = db.session.get(SpamSettings, SETTINGS_ID)
    if row is not None:
        return row
    if insert_unless_present(SpamSettings, {"id": SETTINGS_ID, "version": 1}):
        for word in dict.fromkeys(w.strip() for w in initial_hold_words if w.strip()):
            db.session.add(
                SpamRule(
                    action=RuleAction.HOLD,
                    kind=RuleKind.WORD,
                    pattern=word[:PATTERN_MAX],
                    fields=" ".join(TEXT_FIELDS),
                )
            )
        db.session.flush()
    row = db.session.get(SpamSettings, SETTINGS_ID, populate_existing=True)
    assert row is not None
    return row


def current_rules(initial_hold_words: Sequence[str] = ()) -> RuleSet:
    """The rules in force: one read of the settings row, and of the rules only when their
    version changed since this process last compiled them (every change bumps it)."""
    row = settings_row(initial_hold_words)
    key = str(db.engine.url)
    stamp = (row.version, row.updated_at)
    cached = _cache.get(key)
    if cached is not None and cached.stamp == stamp:
        return cached
    stored = db.session.scalars(select(SpamRule).order_by(SpamRule.id))
    compiled = tuple(filter(None, (compile_rule(rule) for rule in stored)))
    ruleset = RuleSet(
        stamp=stamp,
        version=row.version,
        max_links=row.max_links,
        spam_threshold=row.spam_threshold,
        hold_threshold=row.hold_threshold,
        returning_authors=row.returning_authors,
        rules=compiled,
    )
    with _cache_lock:
        _cache[key] = ruleset
    return ruleset


def bump_version() -> None:
    """Mark the rules changed: every process recompiles them on its next comment."""
    row = settings_row()
    db.session.execute(
        update(SpamSettings)
        .where(SpamSettings.id == SETTINGS_ID)
        .values(version=SpamSettings.version + 1, updated_at=utcnow())
    )
    db.session.refresh(row)


# --- changing them ----------------------------------------------------------------------


def list_rules() -> list[SpamRule]:
    return list(db.session.scalars(select(SpamRule).order_by(SpamRule.id)))


def add_rule(action: RuleAction, kind: RuleKind, pattern: str, fields: Sequence[str]) -> SpamRule:
    """Add a rule, checked first (a regular expression must be readable and fast)."""
    pattern = clean_pattern(kind, pattern)
    stored_fields = clean_fields(kind, fields)
    duplicate = db.session.scalar(
        select(SpamRule).where(
            SpamRule.action == action, SpamRule.kind == kind, SpamRule.pattern == pattern
        )
    )
    if duplicate is not None:
        raise DomainError(
            _("That rule is there already (#%(id)s).", id=duplicate.id), field="pattern"
        )
    rule = SpamRule(action=action, kind=kind, pattern=pattern, fields=stored_fields)
    db.session.add(rule)
    db.session.flush()
    bump_version()
    return rule


def remove_rule(rule: SpamRule) -> None:
    db.session.delete(rule)
    db.session.flush()
    bump_version()


@dataclass
class SettingsChange:
    """The settings as the owner sent them; ``changes`` lists what differs afterwards."""

    max_links: int
    spam_threshold: float
    hold_threshold: float
    returning_authors: ReturningAuthors
    changes: list[str] = field(default_factory=list)


def save_settings(change: SettingsChange) -> list[str]:
    """Save the owner's settings; returns what changed ("max links 3 → 5"), [] if nothing."""
    if not 0 <= change.max_links <= MAX_LINKS_MAX:
        raise DomainError(
            _("Choose between 0 and %(max)d links.", max=MAX_LINKS_MAX), field="max_links"
        )
    for name in ("spam_threshold", "hold_threshold"):
        value = getattr(change, name)
        if not 0.5 <= value <= 1.0:
            raise DomainError(_("A threshold is between 0.5 and 1."), field=name)
    if change.hold_threshold > change.spam_threshold:
        raise DomainError(
            _("The threshold for holding cannot be above the one for the spam tab."),
            field="hold_threshold",
        )
    row = settings_row()
    changes = []
    for name, label in (
        ("max_links", "max links"),
        ("spam_threshold", "spam threshold"),
        ("hold_threshold", "hold threshold"),
        ("returning_authors", "returning authors"),
    ):
        before, after = getattr(row, name), getattr(change, name)
        if before != after:
            changes.append(f"{label} {_show(before)} → {_show(after)}")
            setattr(row, name, after)
    if changes:
        db.session.flush()
        bump_version()
    return changes


def _show(value: object) -> str:
    return value.value if isinstance(value, ReturningAuthors) else str(value)
