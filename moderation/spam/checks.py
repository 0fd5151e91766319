"""Checks a submission and says why it should be held back or binned.

Every comment waits for a moderator anyway; these checks only decide whether it goes
straight to spam (a filled honeypot) and what note the moderator sees next to it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..core.i18n import Text, _, _n

LINK_RE = re.compile(r"https?://|www\.", re.IGNORECASE)
MAX_LINKS = 3

# Why a comment is held, stored in English with it; ``explain`` says it again in the
# moderator's language.
HONEYPOT = _("filled the hidden honeypot field")
LINKS = _n("%(num)d link in the text", "%(num)d links in the text")
BLOCKED = _("contains blocked term %(term)s")
SEPARATOR = "; "


@dataclass
class Verdict:
    spam: bool = False
    reasons: list[Text] = field(default_factory=list)

    @property
    def reason(self) -> str:
        """The reasons as stored: in English, whoever reads them later."""
        return SEPARATOR.join(reason.english for reason in self.reasons)


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


def check_submission(
    *, name: str, email: str, website: str, body: str, honeypot: str, blocklist: list[str]
) -> Verdict:
    """Look at a submission the way a wary moderator would."""
    verdict = Verdict()
    if honeypot.strip():
        verdict.spam = True
        verdict.reasons.append(HONEYPOT)
    links = len(LINK_RE.findall(body))
    if links > MAX_LINKS:
        verdict.reasons.append(LINKS(num=links))
    haystack = " ".join((name, email, website, body)).lower()
    for word in blocklist:
        if word and word.lower() in haystack:
            verdict.reasons.append(BLOCKED(term=repr(word)))
    return verdict
