"""What the dashboard reads: the queue with its filters, counts, the log, the articles.

Plain query functions, no request in sight: the view turns the query string into a
:class:`QueueFilter` with :func:`parse_filter`, and the rest is tested without HTTP.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, case, func, or_, select
from sqlalchemy.orm import selectinload

from ..accounts.models import Moderator, Role
from ..comments.articles import is_valid_article_id
from ..comments.models import Article, Comment, ModerationEvent, Status
from ..core.database import db
from ..core.text import clean_line
from ..spam.checks import REASONS

T = TypeVar("T")

PER_PAGE = 25
ARTICLES_PER_PAGE = 50
# How many recent articles the queue's article filter suggests.
ARTICLE_SUGGESTIONS = 20
SEARCH_MAX = 200
ALL = "all"


@dataclass(frozen=True)
class QueueFilter:
    """Which comments to show. ``status`` None means every status."""

    status: Status | None = Status.PENDING
    article_id: str | None = None
    search: str = ""
    # A code of ``spam.checks.REASONS``: only comments that rule held or binned.
    reason: str = ""
    page: int = 1
    per_page: int = PER_PAGE

    def args(self, **changes: Any) -> dict[str, Any]:
        """The query string that gives this filter back (with ``changes``), for links."""
        target = replace(self, **changes)
        args: dict[str, Any] = {"status": target.status.value if target.status else ALL}
        if target.article_id:
            args["article"] = target.article_id
        if target.search:
            args["q"] = target.search
        if target.reason:
            args["reason"] = target.reason
        if target.page > 1:
            args["page"] = target.page
        return args


def parse_status(value: str | None) -> Status | None:
    """``pending`` (also when missing or unknown), ``approved``…, or None for ``all``."""
    if value == ALL:
        return None
    try:
        return Status(value or Status.PENDING.value)
    except ValueError:
        return Status.PENDING


def parse_page(value: str | None) -> int:
    """A page number from the query string; anything odd means the first page."""
    try:
        page = int(value or 1)
    except ValueError:
        return 1
    return page if 1 <= page <= 1_000_000 else 1


def parse_filter(args: Mapping[str, str]) -> QueueFilter:
    """Read ``status``, ``article``, ``q`` and ``page``; bad values fall back to defaults."""
    article_id = (args.get("article") or "").strip()
    search = clean_line(args.get("q") or "", SEARCH_MAX)
    reason = args.get("reason") or ""
    return QueueFilter(
        status=parse_status(args.get("status")),
        article_id=article_id if is_valid_article_id(article_id) else None,
        search=search,
        reason=reason if reason in REASONS else "",
        page=parse_page(args.get("page")),
    )


@dataclass
class Page(Generic[T]):
    """One page of results, with what the pagination links need."""

    items: Sequence[T]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def first_index(self) -> int:
        return (self.page - 1) * self.per_page + 1 if self.total else 0

    @property
    def last_index(self) -> int:
        return min(self.page * self.per_page, self.total)


def _paginate(query: Select[Any], page: int, per_page: int) -> Page[Any]:
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    total = total or 0
    pages = max(1, math.ceil(total / per_page))
    page = min(max(page, 1), pages)
    items = list(db.session.scalars(query.limit(per_page).offset((page - 1) * per_page)))
    return Page(items=items, page=page, per_page=per_page, total=total)


def _matching(queue_filter: QueueFilter) -> list[Any]:
    """The WHERE clauses of a filter, leaving the status out."""
    clauses: list[Any] = []
    if queue_filter.article_id:
        clauses.append(Comment.article_id == queue_filter.article_id)
    if queue_filter.reason:
        code = queue_filter.reason
        clauses.append(
            or_(
                Comment.held_rules == code,
                Comment.held_rules.startswith(code + " ", autoescape=True),
                Comment.held_rules.endswith(" " + code, autoescape=True),
                Comment.held_rules.contains(" " + code + " ", autoescape=True),
            )
        )
    for word in queue_filter.search.split():
        clauses.append(
            or_(
                Comment.author_name.icontains(word, autoescape=True),
                Comment.email.icontains(word, autoescape=True),
                Comment.body.icontains(word, autoescape=True),
            )
        )
    return clauses


def queue(queue_filter: QueueFilter) -> Page[Comment]:
    """The comments a moderator works through.

    Pending first, and oldest first, so nobody waits longest; the approved, rejected
    and spam tabs show the most recent first. Every search word must match the name,
    the email or the text.
    """
    query = (
        select(Comment)
        .where(*_matching(queue_filter))
        .options(
            selectinload(Comment.article),
            selectinload(Comment.parent),
            selectinload(Comment.by_moderator),
        )
    )
    if queue_filter.status is not None:
        query = query.where(Comment.status == queue_filter.status)
    if queue_filter.status in (None, Status.PENDING):
        pending_first = case((Comment.status == Status.PENDING, 0), else_=1)
        query = query.order_by(pending_first, Comment.created_at, Comment.id)
    else:
        query = query.order_by(Comment.created_at.desc(), Comment.id.desc())
    return _paginate(query, queue_filter.page, queue_filter.per_page)


def status_counts(queue_filter: QueueFilter | None = None) -> dict[Status, int]:
    """How many comments each status holds (within the article and search, if any)."""
    clauses = _matching(queue_filter) if queue_filter is not None else []
    rows = db.session.execute(
        select(Comment.status, func.count()).where(*clauses).group_by(Comment.status)
    )
    counts = dict.fromkeys(Status, 0)
    for status, count in rows:
        counts[Status(status)] = count
    return counts


def pending_count() -> int:
    """How many comments wait for a moderator, everywhere."""
    query = select(func.count()).select_from(Comment).where(Comment.status == Status.PENDING)
    return db.session.scalar(query) or 0


def next_pending(comment: Comment) -> int | None:
    """The comment to go on to from this one: the pending one after it in the queue's
    order (oldest first), else the oldest pending one before it; None when no other waits."""
    pending = select(Comment.id).where(Comment.status == Status.PENDING, Comment.id != comment.id)
    after = or_(
        Comment.created_at > comment.created_at,
        (Comment.created_at == comment.created_at) & (Comment.id > comment.id),
    )
    later = db.session.scalar(
        pending.where(after).order_by(Comment.created_at, Comment.id).limit(1)
    )
    if later is not None:
        return int(later)
    first = db.session.scalar(pending.order_by(Comment.created_at, Comment.id).limit(1))
    return int(first) if first is not None else None


def comments_by_id(ids: Sequence[int]) -> dict[int, Comment]:
    """The comments with those ids that still exist."""
    if not ids:
        return {}
    found = db.session.scalars(select(Comment).where(Comment.id.in_(list(ids))))
    return {comment.id: comment for comment in found}


def replies_to(comment: Comment) -> list[Comment]:
    """The direct replies to a comment, oldest first, whatever their status."""
    return list(
        db.session.scalars(
            select(Comment)
            .where(Comment.parent_id == comment.id)
            .order_by(Comment.created_at, Comment.id)
        )
    )


# --- the audit log ----------------------------------------------------------------


def events_for(comment: Comment) -> list[ModerationEvent]:
    """What moderators did to one comment, oldest first."""
    return list(
        db.session.scalars(
            select(ModerationEvent)
            .where(ModerationEvent.comment_id == comment.id)
            .options(selectinload(ModerationEvent.moderator))
            .order_by(ModerationEvent.created_at, ModerationEvent.id)
        )
    )


def audit_log(
    page: int = 1,
    per_page: int = 50,
    *,
    article_id: str | None = None,
    moderator_id: int | None = None,
) -> Page[ModerationEvent]:
    """Every moderation action, newest first (of one article, or by one moderator)."""
    query = select(ModerationEvent).options(
        selectinload(ModerationEvent.moderator), selectinload(ModerationEvent.comment)
    )
    if article_id:
        query = query.where(ModerationEvent.article_id == article_id)
    if moderator_id is not None:
        query = query.where(ModerationEvent.moderator_id == moderator_id)
    query = query.order_by(ModerationEvent.created_at.desc(), ModerationEvent.id.desc())
    return _paginate(query, page, per_page)


def moderators() -> list[Moderator]:
    """Every moderator, owners first, then in the order they were added."""
    owners_first = case((Moderator.role == Role.OWNER, 0), else_=1)
    return list(db.session.scalars(select(Moderator).order_by(owners_first, Moderator.id)))


# --- articles ---------------------------------------------------------------------


@dataclass
class ArticleRow:
    article: Article
    counts: dict[Status, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def _article_matches(search: str) -> list[Any]:
    """Every word must be in the article's id or title."""
    return [
        or_(
            Article.id.icontains(word, autoescape=True),
            Article.title.icontains(word, autoescape=True),
        )
        for word in search.split()
    ]


def articles_with_counts(
    search: str = "", page: int = 1, per_page: int = ARTICLES_PER_PAGE
) -> Page[ArticleRow]:
    """One page of the articles, newest first, that match ``search`` (id or title), each
    with how many comments it has in each status."""
    query = (
        select(Article)
        .where(*_article_matches(search))
        .order_by(Article.created_at.desc(), Article.id)
    )
    articles = _paginate(query, page, per_page)
    rows = {a.id: ArticleRow(a, dict.fromkeys(Status, 0)) for a in articles.items}
    if rows:
        counts = db.session.execute(
            select(Comment.article_id, Comment.status, func.count())
            .where(Comment.article_id.in_(list(rows)))
            .group_by(Comment.article_id, Comment.status)
        )
        for article_id, status, count in counts:
            rows[article_id].counts[Status(status)] = count
    return Page(
        items=list(rows.values()),
        page=articles.page,
        per_page=articles.per_page,
        total=articles.total,
    )


def recent_articles(limit: int = ARTICLE_SUGGESTIONS) -> list[tuple[str, str]]:
    """(id, title) of the most recent articles, to suggest in the queue's article filter;
    any other article is typed by its id (or reached from the articles page)."""
    rows = db.session.execute(
        select(Article.id, Article.title)
        .order_by(Article.created_at.desc(), Article.id)
        .limit(limit)
    )
    return [(article_id, title or article_id) for article_id, title in rows]
