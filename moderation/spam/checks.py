"""Checks a submission and says why it should be held back or binned.

Every comment waits for a moderator anyway; these checks decide whether it goes
straight to spam (a filled honeypot, a spam rule, a blocked address or range, the
learning filter once it is sure) and what note the moderators see next to it, with the
code of each rule that fired for the queue's filter by reason.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from ..core.i18n import Text, _
from .learning import Score
from .models import RuleAction, RuleKind
from .rules import (
    FIELDS,
    LINKS,
    MATCHED,
    MATCHED_UNNUMBERED,
    CompiledRule,
    Fields,
    RuleSet,
    word_pattern,
)

MAX_LINKS = 3

# Why a comment is held, stored in English with it; ``explain`` says it again in the
# moderator's language.
HONEYPOT = _("filled the hidden honeypot field")
BLOCKED = _("contains blocked term %(term)s")
FILTER = _("the learning filter says %(percent)s spam")
SEPARATOR = "; "


# Every code a held or binned comment may carry, with its label for the queue's filter:
# ``{action}-{kind}`` for the owner's rules, and the service's own checks.
REASONS: dict[str, Text] = {
    "honeypot": _("Honeypot filled"),
    "links": _("Too many links"),
    f"{RuleAction.SPAM.value}-{RuleKind.WORD.value}": _("Spam: word rule"),
    f"{RuleAction.SPAM.value}-{RuleKind.REGEX.value}": _("Spam: pattern rule"),
    f"{RuleAction.SPAM.value}-{RuleKind.EMAIL.value}": _("Spam: address rule"),
    f"{RuleAction.SPAM.value}-{RuleKind.DOMAIN.value}": _("Spam: domain rule"),
    f"{RuleAction.SPAM.value}-{RuleKind.NETWORK.value}": _("Spam: IP range rule"),
    f"{RuleAction.HOLD.value}-{RuleKind.WORD.value}": _("Held: word rule"),
    f"{RuleAction.HOLD.value}-{RuleKind.REGEX.value}": _("Held: pattern rule"),
    f"{RuleAction.HOLD.value}-{RuleKind.EMAIL.value}": _("Held: address rule"),
    f"{RuleAction.HOLD.value}-{RuleKind.DOMAIN.value}": _("Held: domain rule"),
    f"{RuleAction.HOLD.value}-{RuleKind.NETWORK.value}": _("Held: IP range rule"),
    "filter-spam": _("Spam: learning filter"),
    "filter-hold": _("Held: learning filter"),
}


@dataclass
class Verdict:
    spam: bool = False
    # Texts, stored in English and shown in the moderator's language (the owner's own
    # patterns quoted in them as they are).
    reasons: list[str | Text] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)
    score: Score | None = None

    @property
    def reason(self) -> str:
        """The reasons as stored: in English, whoever reads them later."""
        return SEPARATOR.join(
            reason.english if isinstance(reason, Text) else reason for reason in self.reasons
        )

    @property
    def code(self) -> str:
        return " ".join(dict.fromkeys(self.codes))


# What a placeholder of a stored reason may hold: a field's English label, a number, a
# percentage, or anything else (a quoted pattern).
_FIELD_LABELS = {label.english: label for label in FIELDS.values()}
_VALUES = {
    "field": "|".join(re.escape(label) for label in sorted(_FIELD_LABELS, key=len, reverse=True)),
    "d": r"\d+",
    "s": ".+",
}
_PLACEHOLDER = re.compile(r"%\((\w+)\)([sd])")


def reason_pattern(message: str) -> tuple[re.Pattern[str], frozenset[str]]:
    """A reason's English as a pattern that reads its values back out of a stored part,
    and the names of its numbers."""
    pattern, at, numbers = "", 0, set()
    for found in _PLACEHOLDER.finditer(message):
        name, kind = found.groups()
        values = _VALUES["field"] if name == "field" else _VALUES[kind]
        pattern += re.escape(message[at : found.start()]) + f"(?P<{name}>{values})"
        at = found.end()
        if kind == "d":
            numbers.add(name)
    return re.compile(pattern + re.escape(message[at:])), frozenset(numbers)


_KNOWN = [
    (text, reason_pattern(english))
    for text in (HONEYPOT, LINKS, BLOCKED, FILTER, *MATCHED.values(), MATCHED_UNNUMBERED)
    for english in dict.fromkeys((text.singular, text.plural or text.singular))
]


def _read(part: str, shape: tuple[re.Pattern[str], frozenset[str]]) -> dict[str, object] | None:
    """The values a stored part carries, when it has that shape."""
    pattern, numbers = shape
    found = pattern.fullmatch(part)
    if found is None:
        return None
    values: dict[str, object] = {}
    for name, value in found.groupdict().items():
        if name == "field":
            values[name] = _FIELD_LABELS[value]
        else:
            values[name] = int(value) if name in numbers else value
    return values


def explain(stored: str) -> list[str | Text]:
    """A stored reason, part by part, as texts to show in the reader's language (a part
    of unknown shape, say from an import, as it is)."""
    explained: list[str | Text] = []
    for part in filter(None, stored.split(SEPARATOR)):
        for text, shape in _KNOWN:
            values = _read(part, shape)
            if values is not None:
                explained.append(text(**values))
                break
        else:
            explained.append(part)
    return explained


def blocklist_rules(blocklist: Sequence[str], max_links: int = MAX_LINKS) -> RuleSet:
    """A rule set of hold words alone, without the database (unit tests, replays)."""
    rules = tuple(
        CompiledRule(
            -(i + 1), RuleAction.HOLD, RuleKind.WORD, word, tuple(FIELDS), word_pattern(word)
        )
        for i, word in enumerate(w for w in blocklist if w)
    )
    return RuleSet(stamp=(0, datetime.min), version=0, max_links=max_links, rules=rules)


def check_submission(
    *,
    name: str,
    email: str,
    website: str,
    body: str,
    honeypot: str,
    blocklist: Sequence[str] = (),
    rules: RuleSet | None = None,
    ip: str = "",
    score: Score | None = None,
) -> Verdict:
    """Look at a submission the way a wary moderator would: the honeypot, the owner's
    rules (``rules``, else ``blocklist`` as hold words) and the learning filter's
    ``score``, which acts only once it has seen enough decisions."""
    verdict = Verdict(score=score)
    if honeypot.strip():
        verdict.spam = True
        verdict.reasons.append(HONEYPOT)
        verdict.codes.append("honeypot")
    ruleset = rules if rules is not None else blocklist_rules(blocklist)
    for match in ruleset.matches(Fields(name=name, email=email, website=website, body=body, ip=ip)):
        verdict.reasons.append(match.reason)
        verdict.codes.append(match.code)
        verdict.spam = verdict.spam or match.action == RuleAction.SPAM
    if score is not None:
        said = FILTER(percent=f"{score.probability:.1%}")
        if score.exceeds(ruleset.spam_threshold):
            verdict.spam = True
            verdict.reasons.append(said)
            verdict.codes.append("filter-spam")
        elif score.exceeds(ruleset.hold_threshold):
            verdict.reasons.append(said)
            verdict.codes.append("filter-hold")
    return verdict
