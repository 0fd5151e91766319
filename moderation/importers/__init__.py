"""Comments from other systems (WordPress, Disqus, Isso, Commento) and this service's
own export, read as streams and stored in batches, with an exact summary.

``run_import`` is the one entry point; ``writer.CommentWriter`` the one writer. Imported
comments never pass through the posting or moderation operations, so nothing that
reacts to a new comment or a moderator's decision reacts to them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from sqlalchemy.exc import DataError, IntegrityError

from ..core.database import db
from ..core.i18n import _
from . import commento, disqus, isso, ownjson, wordpress
from .articles import MODES, ArticleNamer, read_article_map
from .files import ImportRefused, Progress
from .model import ImportedComment, Summary
from .writer import BATCH_SIZE, CommentWriter

Reader = Callable[[Path, Summary, Progress], Iterator[ImportedComment]]

READERS: dict[str, Reader] = {
    wordpress.SOURCE: wordpress.read,
    disqus.SOURCE: disqus.read,
    isso.SOURCE: isso.read,
    commento.SOURCE: commento.read,
}
FORMATS = (*READERS, ownjson.SOURCE)


# A batch the database would not take: what is stored already stays.
REFUSED = _(
    "%(file)s: the database refused a batch (%(error)s: rows that point to missing ones, or "
    "values it cannot hold); the batches before it were stored. Run the import again once "
    "the file is fixed: what is stored already is skipped."
)
REFUSED_DRY = _(
    "%(file)s: the database refused a batch (%(error)s: rows that point to missing ones, or "
    "values it cannot hold); nothing was stored. Run the import again once the file is "
    "fixed: what is stored already is skipped."
)


def _no_progress(step: int) -> None:
    pass


def run_import(
    format_name: str,
    path: Path,
    *,
    namer: ArticleNamer | None = None,
    ip_policy: str = "truncated",
    dry_run: bool = False,
    batch_size: int = BATCH_SIZE,
    progress: Progress = _no_progress,
) -> Summary:
    """Import ``path`` as ``format_name``; the summary says what was stored and skipped.

    Raises ImportRefused (nothing stored) for a file that cannot be read at all. With
    ``dry_run`` everything is done, then rolled back: the summary is the same.
    """
    summary = Summary(source=format_name, dry_run=dry_run)
    if format_name not in FORMATS:
        raise ImportRefused(
            _(
                "Unknown format %(format)s: one of %(formats)s.",
                format=repr(format_name),
                formats=", ".join(FORMATS),
            )
        )
    try:
        if format_name == ownjson.SOURCE:
            return ownjson.restore(path, summary, progress, dry_run=dry_run, batch_size=batch_size)
        writer = CommentWriter(
            format_name,
            summary,
            namer or ArticleNamer(),
            ip_policy=ip_policy,
            batch_size=batch_size,
            dry_run=dry_run,
        )
        writer.add_all(READERS[format_name](path, summary, progress))
        return writer.finish()
    except (IntegrityError, DataError) as exc:
        db.session.rollback()
        refused = REFUSED_DRY if dry_run else REFUSED
        raise ImportRefused(refused(file=path.name, error=type(exc.orig).__name__)) from None


def progress_total(format_name: str, path: Path) -> int | None:
    """What the progress bar counts to: bytes read, or an Isso database's comments."""
    if format_name == isso.SOURCE:
        count = isso.comment_count(path)
        if count is not None:
            return count
    try:
        return path.stat().st_size
    except OSError:
        return None


__all__ = [
    "FORMATS",
    "MODES",
    "ArticleNamer",
    "ImportRefused",
    "Summary",
    "progress_total",
    "read_article_map",
    "run_import",
]
