"""Checks a submission and says why it should be held back or binned.

Every comment waits for a moderator anyway; these checks decide whether it goes
straight to spam (a filled honeypot, a spam rule, a blocked address or range, the
learning filter once it is sure) and what note the moderators see next to it, with the
code of each rule that fired for the queue's filter by reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from ..core.i18n import Text, _, _n
from .learning import Score
from .models import RuleAction, RuleKind
from .rules import FIELDS, CompiledRule, Fields, RuleSet, word_pattern

MAX_LINKS = 3

# Why a comment is held, stored in English with it; ``explain`` says it again in the
# moderator's language.
HONEYPOT = _("filled the hidden honeypot field")
LINKS = _n("%(num)d link in the text", "%(num)d links in the text")
BLOCKED = _("contains blocked term %(term)s")
SEPARATOR = "; "


def _reasons() -> dict[str, str]:
    kinds = {
        RuleKind.WORD: "word",
        RuleKind.REGEX: "pattern",
        RuleKind.EMAIL: "address",
        RuleKind.DOMAIN: "domain",
        RuleKind.NETWORK: "IP range",
    }
    codes = {"honeypot": "Honeypot filled", "links": "Too many links"}
    for action, verb in ((RuleAction.SPAM, "Spam"), (RuleAction.HOLD, "Held")):
        for kind, noun in kinds.items():
            codes[f"{action.value}-{kind.value}"] = f"{verb}: {noun} rule"
    codes["filter-spam"] = "Spam: learning filter"
    codes["filter-hold"] = "Held: learning filter"
    return codes


# Every code a held or binned comment may carry, with its label for the queue's filter.
REASONS = _reasons()


@dataclass
class Verdict:
    spam: bool = False
    # The rules' reasons name the owner's own words, as they are; the service's own
    # reasons are texts, stored in English and shown in the moderator's language.
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


def _shape(message: str) -> tuple[str, str, str, str]:
    """A reason's English with its one placeholder: (before, name, kind, after)."""
    before, _, rest = message.partition("%(")
    name, _, rest = rest.partition(")")
    return before, name, rest[:1], rest[1:]


_KNOWN = [
    (text, _shape(english))
    for text in (HONEYPOT, LINKS, BLOCKED)
    for english in dict.fromkeys((text.singular, text.plural or text.singular))
]


def _read(part: str, shape: tuple[str, str, str, str]) -> dict[str, object] | None:
    """The value a stored part carries, when it has that shape."""
    before, name, kind, after = shape
    if not name:
        return {} if part == before else None
    if len(part) <= len(before) + len(after):
        return None
    if not (part.startswith(before) and part.endswith(after)):
        return None
    value = part[len(before) : len(part) - len(after)]
    if kind == "d":
        return {name: int(value)} if value.isdigit() else None
    return {name: value}


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
        percent = f"{score.probability:.1%}"
        if score.exceeds(ruleset.spam_threshold):
            verdict.spam = True
            verdict.reasons.append(f"the learning filter says {percent} spam")
            verdict.codes.append("filter-spam")
        elif score.exceeds(ruleset.hold_threshold):
            verdict.reasons.append(f"the learning filter says {percent} spam")
            verdict.codes.append("filter-hold")
    return verdict
