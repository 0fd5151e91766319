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


def _pattern(message: str) -> re.Pattern[str]:
    """A stored English reason's shape, its values as named groups."""
    parts = re.split(r"(%\((\w+)\)[sd])", message)
    regex = ""
    for index in range(0, len(parts), 3):
        regex += re.escape(parts[index])
        if index + 2 < len(parts):
            name, kind = parts[index + 2], parts[index + 1][-1]
            regex += f"(?P<{name}>\\d+)" if kind == "d" else f"(?P<{name}>.+)"
    return re.compile(regex)


_KNOWN = [
    (text, _pattern(english))
    for text in (HONEYPOT, LINKS, BLOCKED)
    for english in {text.singular, text.plural or text.singular}
]


def explain(stored: str) -> list[str | Text]:
    """A stored reason, part by part, as texts to show in the reader's language (a part
    of unknown shape, say from an import, as it is)."""
    explained: list[str | Text] = []
    for part in filter(None, stored.split(SEPARATOR)):
        for text, pattern in _KNOWN:
            found = pattern.fullmatch(part)
            if found:
                values = {k: int(v) if v.isdigit() else v for k, v in found.groupdict().items()}
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
