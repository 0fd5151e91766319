"""What an importer reads out of another system's export, before it is stored.

Each format's reader turns its file into a stream of ``ImportedComment`` (each naming its
``ImportedArticle``), and tells the ``Summary`` what it skipped and why; the writer
stores the stream. Nothing here knows the file formats or the database.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache

from ..comments.models import NAME_MAX, SOURCE_ID_MAX, WEBSITE_MAX, Status
from ..core.i18n import _, _n
from ..core.text import EMAIL_MAX, clean_line, email_problem, normalize_email, web_url_or_empty


@dataclass(frozen=True)
class ImportedArticle:
    """A post or page of the old system, the way its export names it."""

    # The export's own key for it (a post id, a Disqus thread id, a URL): links comments.
    key: str
    url: str = ""
    title: str = ""
    # The WordPress post_name, a Disqus thread's identifier: a candidate article id.
    slug: str = ""
    closed: bool = False


@dataclass
class ImportedComment:
    """One comment of the old system, already in this service's terms."""

    source_id: str
    article: ImportedArticle
    author_name: str
    email: str
    website: str
    remote_addr: str | None
    created_at: datetime
    status: Status
    # The text as the old system kept it, and the sanitized HTML readers will see.
    body: str
    html: str
    parent_source_id: str | None = None


@dataclass
class Summary:
    """What an import did: counted as it goes, printed at the end, exact."""

    source: str
    dry_run: bool = False
    articles_created: int = 0
    articles_existing: int = 0
    comments_created: int = 0
    # Replies whose parent is not in the file (or was skipped): stored at the top level.
    orphans: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    warnings: Counter[str] = field(default_factory=Counter)
    # Other rows restored by the ``json`` format: moderators, audit events, …
    restored: Counter[str] = field(default_factory=Counter)

    def skip(self, reason: str) -> None:
        self.skipped[reason] += 1

    def warn(self, message: str) -> None:
        self.warnings[message] += 1

    def lines(self) -> list[str]:
        """The summary as a person reads it, in the language being spoken."""
        counts = {
            "articles": self.articles_created,
            "existing": self.articles_existing,
            "comments": self.comments_created,
            "source": self.source,
        }
        lines = [str((WOULD_CREATE if self.dry_run else CREATED)(**counts))]
        if self.orphans:
            lines.append(f"  {ORPHANS(num=self.orphans)}")
        for name, count in sorted(self.restored.items()):
            lines.append(f"  {RESTORED(num=count, name=name)}")
        total = sum(self.skipped.values())
        if self.source == "json":
            lines.append(str((SKIPPED_ROWS_SOME if total else SKIPPED_ROWS_NONE)(num=total)))
        else:
            lines.append(str((SKIPPED_SOME if total else SKIPPED_NONE)(num=total)))
        for reason, count in sorted(self.skipped.items(), key=lambda item: (-item[1], item[0])):
            lines.append(f"  {count} {reason}")
        if self.warnings:
            lines.append(str(WARNINGS(num=sum(self.warnings.values()))))
            for message, count in sorted(self.warnings.items()):
                lines.append(f"  {message}" + (f" (x{count})" if count > 1 else ""))
        if self.dry_run:
            lines.append(str(DRY_RUN))
        elif not self.comments_created and not self.restored and total:
            lines.append(str(NOTHING_NEW))
        return lines


# The summary's sentences (the skipped rows' reasons and the warnings are the readers'
# own words for what they found, as they are).
CREATED = _(
    "Created %(articles)d article(s) (%(existing)d already here) and %(comments)d comment(s) "
    "from %(source)s."
)
WOULD_CREATE = _(
    "Would create %(articles)d article(s) (%(existing)d already here) and %(comments)d "
    "comment(s) from %(source)s."
)
ORPHANS = _n(
    "%(num)d reply whose parent is not in the file (or was skipped) is kept at the top level.",
    "%(num)d replies whose parent is not in the file (or was skipped) are kept at the top level.",
)
RESTORED = _("and %(num)d %(name)s.")
SKIPPED_NONE = _("Skipped %(num)d comment(s).")
SKIPPED_SOME = _("Skipped %(num)d comment(s):")
SKIPPED_ROWS_NONE = _("Skipped %(num)d row(s).")
SKIPPED_ROWS_SOME = _("Skipped %(num)d row(s):")
WARNINGS = _("Warnings (%(num)d):")
DRY_RUN = _("Dry run: nothing was written.")
NOTHING_NEW = _("Nothing new was stored.")


# --- small conversions every format needs ------------------------------------------


def source_key(*parts: str) -> str:
    """A comment's id in its source, from the parts that make it unique there; hashed
    when too long for the column."""
    key = "/".join(part for part in parts if part)
    if len(key) <= SOURCE_ID_MAX:
        return key
    return "sha256:" + hashlib.sha256(key.encode()).hexdigest()


def author_name(name: str) -> str:
    return clean_line(name, NAME_MAX) or "Anonymous"


PLACEHOLDERS = frozenset({"", "undefined", "null", "none", "anonymous"})


def author_email(email: str, summary: Summary) -> str:
    """The author's address, normalized; empty when there is none or it cannot be one."""
    email = normalize_email(email)
    if email in PLACEHOLDERS:
        return ""
    if not _deliverable_form(email):
        summary.warn("an author's email is not a valid address: imported without it")
        return ""
    return email


@lru_cache(maxsize=4096)
def _deliverable_form(email: str) -> bool:
    # The same authors come back comment after comment: each address is checked once.
    return len(email) <= EMAIL_MAX and email_problem(email) is None


def author_website(url: str) -> str:
    url = url.strip()
    return "" if url.lower() in PLACEHOLDERS else web_url_or_empty(url, WEBSITE_MAX)


# "2014-01-14 17:31:03", "2013-10-10T19:20:29Z", "2022-10-25T07:25:46.807555Z"
DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?")


def parse_date(text: str) -> datetime | None:
    """An export's date as an aware UTC datetime; a date without a zone is UTC. None when
    it cannot be read (or is WordPress's "0000-00-00 00:00:00")."""
    text = text.strip()
    if not DATE_RE.fullmatch(text):
        return None
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)
