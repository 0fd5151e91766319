"""Checks a submission and says why it should be held back or binned.

Every comment waits for a moderator anyway; these checks only decide whether it goes
straight to spam (a filled honeypot) and what note the moderator sees next to it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

LINK_RE = re.compile(r"https?://|www\.", re.IGNORECASE)
MAX_LINKS = 3


@dataclass
class Verdict:
    spam: bool = False
    reasons: list[str] = field(default_factory=list)

    @property
    def reason(self) -> str:
        return "; ".join(self.reasons)


def check_submission(
    *, name: str, email: str, website: str, body: str, honeypot: str, blocklist: list[str]
) -> Verdict:
    """Look at a submission the way a wary moderator would."""
    verdict = Verdict()
    if honeypot.strip():
        verdict.spam = True
        verdict.reasons.append("filled the hidden honeypot field")
    links = len(LINK_RE.findall(body))
    if links > MAX_LINKS:
        verdict.reasons.append(f"{links} links in the text")
    haystack = " ".join((name, email, website, body)).lower()
    for word in blocklist:
        if word and word.lower() in haystack:
            verdict.reasons.append(f"contains blocked term {word!r}")
    return verdict
