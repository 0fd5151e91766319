"""The domain: articles and comments, from submission to moderation.

These functions change state and return model objects. They never look at the
request, flash a message or commit: the view owns HTTP and the transaction.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm.exc import StaleDataError

from .database import insert_unless_present
from .extensions import db
from .models import (
    ARTICLE_ID_MAX,
    TITLE_MAX,
    URL_MAX,
    Article,
    Comment,
    ModerationEvent,
    Moderator,
    Status,
    utcnow,
)
from .rendering import render_comment
from .text import clean_line, control_characters, safe_link, web_url_or_empty

ARTICLE_ID_RE = re.compile(rf"^[A-Za-z0-9][A-Za-z0-9._-]{{0,{ARTICLE_ID_MAX - 1}}}$")


class DomainError(Exception):
    """A rule of the domain said no; ``message`` is fit to show to the person."""

    status_code = 400
    field: str | None = None

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if field is not None:
            self.field = field


class ArticleNotFound(DomainError):
    status_code = 404


class CommentsClosed(DomainError):
    status_code = 403


class InvalidParent(DomainError):
    field = "parent_id"


class ConflictError(DomainError):
    """Someone else changed the comment in the meantime."""

    status_code = 409


@dataclass(frozen=True)
class Submission:
    """What a reader sent, already validated by the form."""

    name: str
    email: str
    website: str
    body: str
    parent_id: int | None = None


# --- articles ---------------------------------------------------------------------


def is_valid_article_id(article_id: str) -> bool:
    """Article ids are slugs: letters, digits, ``.``, ``_`` and ``-``, at most 200 long."""
    return bool(ARTICLE_ID_RE.match(article_id))


def get_article(article_id: str) -> Article | None:
    if not is_valid_article_id(article_id):
        return None
    return db.session.get(Article, article_id)


def create_article(article_id: str, *, title: str = "", url: str = "") -> Article:
    """Add an article; its id must be a slug of at most 200 characters."""
    if not is_valid_article_id(article_id):
        raise DomainError(
            "An article id is 1 to 200 letters, digits, '.', '_' or '-'.", field="article"
        )
    title, url = title.strip(), url.strip()
    if len(title) > TITLE_MAX or control_characters(title):
        raise DomainError(
            f"A title is at most {TITLE_MAX} characters, without control characters.",
            field="title",
        )
    if url and (len(url) > URL_MAX or not safe_link(url)):
        raise DomainError(
            f"The address must be an http(s) URL or a path, at most {URL_MAX} characters.",
            field="url",
        )
    if db.session.get(Article, article_id) is not None:
        raise DomainError(f"Article {article_id!r} already exists.", field="article")
    article = Article(id=article_id, title=title, url=url, closed=False)
    db.session.add(article)
    db.session.flush()
    return article


def _insert_article_if_missing(article_id: str, title: str, url: str) -> Article:
    """Create the article unless a concurrent request just did; either way, return it."""
    values = {"id": article_id, "title": title, "url": url, "closed": False, "created_at": utcnow()}
    insert_unless_present(Article, values)
    article = db.session.get(Article, article_id)
    assert article is not None
    return article


def article_for_comment(
    article_id: str, *, title: str = "", url: str = "", auto_create: bool
) -> Article:
    """The article a new comment goes to, created on its first comment when allowed.

    The title and address come from the reader's browser: they are cleaned (one line of
    text; an http(s) address or nothing) rather than refused, since the reader cannot
    fix them.
    """
    article = get_article(article_id)
    if article is None:
        if not auto_create or not is_valid_article_id(article_id):
            raise ArticleNotFound("There is no such article.")
        article = _insert_article_if_missing(
            article_id, clean_line(title, TITLE_MAX), web_url_or_empty(url, URL_MAX)
        )
    if article.closed:
        raise CommentsClosed("Comments are closed for this article.")
    return article


# --- submitting -------------------------------------------------------------------


def thread_depth(comment: Comment) -> int:
    """1 for a top-level comment, 2 for a reply to it, and so on, as readers see it.

    Only published ancestors count: a reply whose parent was rejected or deleted is shown
    at the top level (see ``build_thread``), so it starts a new thread.
    """
    depth = 1
    node = comment
    while node.parent is not None and node.parent.status == Status.APPROVED:
        depth += 1
        node = node.parent
    return depth


def submit_comment(
    article: Article,
    submission: Submission,
    *,
    remote_addr: str | None = None,
    spam: bool = False,
    held_reason: str = "",
    max_depth: int = 3,
) -> Comment:
    """Store a reader's comment as pending (or spam), rendered to safe HTML once."""
    if article.closed:
        raise CommentsClosed("Comments are closed for this article.")
    if submission.parent_id is not None:
        parent = db.session.get(Comment, submission.parent_id)
        if parent is None or parent.article_id != article.id or parent.status != Status.APPROVED:
            raise InvalidParent("You can only reply to a published comment of this article.")
        if thread_depth(parent) >= max_depth:
            raise InvalidParent("This conversation is nested as deep as it can go.")
    comment = Comment(
        article=article,
        parent_id=submission.parent_id,
        author_name=submission.name,
        email=submission.email,
        website=submission.website,
        body=submission.body,
        html=render_comment(submission.body),
        status=Status.SPAM if spam else Status.PENDING,
        held_reason=held_reason[:500],
        remote_addr=remote_addr,
    )
    db.session.add(comment)
    db.session.flush()
    return comment


# --- reading ----------------------------------------------------------------------


def approved_comments(article_id: str) -> list[Comment]:
    """The published comments of an article, oldest first."""
    return list(
        db.session.scalars(
            select(Comment)
            .where(Comment.article_id == article_id, Comment.status == Status.APPROVED)
            .order_by(Comment.created_at, Comment.id)
        )
    )


def approved_count(article_id: str) -> int:
    """How many published comments an article has."""
    return approved_counts([article_id])[article_id]


def public_state(article_id: str) -> str:
    """A short token that changes whenever what readers see of an article may change.

    It reads three small aggregates instead of the comments themselves, so an
    unchanged thread is answered with a 304 at a fraction of the cost of rendering it.
    Every moderation action logs an event for the article, and approved comments are
    counted and dated, so approvals, edits, deletions and replies all change it.
    """
    visible = db.session.execute(
        select(func.count(), func.max(Comment.updated_at), func.max(Comment.id)).where(
            Comment.article_id == article_id, Comment.status == Status.APPROVED
        )
    ).one()
    last_event = db.session.scalar(
        select(func.max(ModerationEvent.id)).where(ModerationEvent.article_id == article_id)
    )
    article = db.session.execute(
        select(Article.title, Article.url, Article.closed).where(Article.id == article_id)
    ).one_or_none()
    state = repr((tuple(visible), last_event, tuple(article) if article else None))
    return hashlib.blake2b(state.encode(), digest_size=12).hexdigest()


def approved_counts(article_ids: list[str]) -> dict[str, int]:
    """Published-comment counts of several articles at once (0 for unknown ones)."""
    counts = dict.fromkeys(article_ids, 0)
    if not counts:
        return counts
    rows = db.session.execute(
        select(Comment.article_id, func.count())
        .where(Comment.article_id.in_(list(counts)), Comment.status == Status.APPROVED)
        .group_by(Comment.article_id)
    )
    for article_id, count in rows:
        counts[article_id] = int(count)
    return counts


@dataclass
class ThreadNode:
    comment: Comment
    replies: list[ThreadNode]


def build_thread(comments: list[Comment]) -> list[ThreadNode]:
    """Nest replies under their parents; a reply whose parent is not shown goes top level."""
    nodes = {c.id: ThreadNode(c, []) for c in comments}
    roots: list[ThreadNode] = []
    for comment in comments:
        node = nodes[comment.id]
        parent = nodes.get(comment.parent_id) if comment.parent_id is not None else None
        (parent.replies if parent is not None else roots).append(node)
    return roots


def _iso(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")


def public_comment(comment: Comment) -> dict[str, Any]:
    """The only public representation of a comment: no email, no address."""
    return {
        "id": comment.id,
        "parent_id": comment.parent_id,
        "author": comment.author_name,
        "website": comment.website or None,
        "html": comment.html,
        "created_at": _iso(comment.created_at),
        "by_moderator": comment.by_moderator_id is not None,
    }


# --- moderating -------------------------------------------------------------------


def record(
    comment: Comment | None,
    moderator: Moderator | None,
    action: str,
    *,
    from_status: Status | None = None,
    to_status: Status | None = None,
    detail: str = "",
    article_id: str | None = None,
) -> ModerationEvent:
    """Add a line to the audit log."""
    event = ModerationEvent(
        comment_id=comment.id if comment is not None else None,
        article_id=comment.article_id if comment is not None else article_id,
        moderator_id=moderator.id if moderator is not None else None,
        action=action,
        from_status=from_status.value if from_status else None,
        to_status=to_status.value if to_status else None,
        detail=detail,
    )
    db.session.add(event)
    return event


def _check_version(comment: Comment, expected_version: int | None) -> None:
    if expected_version is not None and comment.version != expected_version:
        raise ConflictError(
            f"Comment #{comment.id} was changed by someone else in the meantime; "
            "it is shown as it is now."
        )


def _flush(comment: Comment) -> None:
    # Read the id first: after a failed flush the session refuses to load anything.
    comment_id = comment.id
    try:
        db.session.flush()
    except StaleDataError as exc:
        raise ConflictError(
            f"Comment #{comment_id} was changed by someone else at the same moment."
        ) from exc


ACTIONS = {
    "approve": Status.APPROVED,
    "reject": Status.REJECTED,
    "spam": Status.SPAM,
    "restore": Status.PENDING,
}
ACTION_FOR_STATUS = {status: action for action, status in ACTIONS.items()}


def set_status(
    comment: Comment,
    status: Status,
    moderator: Moderator | None,
    *,
    expected_version: int | None = None,
) -> Comment:
    """Move a comment to a new status and log who did it."""
    _check_version(comment, expected_version)
    before = comment.status
    if before == status:
        return comment
    comment.status = status
    _flush(comment)
    record(
        comment,
        moderator,
        ACTION_FOR_STATUS[status],
        from_status=before,
        to_status=status,
    )
    return comment


def approve(comment: Comment, moderator: Moderator | None = None, **kw: Any) -> Comment:
    """Publish a comment."""
    return set_status(comment, Status.APPROVED, moderator, **kw)


def reject(comment: Comment, moderator: Moderator | None = None, **kw: Any) -> Comment:
    """Refuse a comment; it stays in the database, out of sight."""
    return set_status(comment, Status.REJECTED, moderator, **kw)


def mark_spam(comment: Comment, moderator: Moderator | None = None, **kw: Any) -> Comment:
    """File a comment as spam."""
    return set_status(comment, Status.SPAM, moderator, **kw)


def restore(comment: Comment, moderator: Moderator | None = None, **kw: Any) -> Comment:
    """Put a comment back in the pending queue."""
    return set_status(comment, Status.PENDING, moderator, **kw)


def edit_comment(
    comment: Comment,
    body: str,
    moderator: Moderator | None,
    *,
    expected_version: int | None = None,
) -> Comment:
    """Change a comment's text (re-rendered) and log the change."""
    _check_version(comment, expected_version)
    if body == comment.body:
        return comment
    comment.body = body
    comment.html = render_comment(body)
    _flush(comment)
    record(comment, moderator, "edit", from_status=comment.status, to_status=comment.status)
    return comment


def delete_comment(
    comment: Comment, moderator: Moderator | None, *, expected_version: int | None = None
) -> None:
    """Delete a comment for good; replies stay, re-attached to nothing."""
    _check_version(comment, expected_version)
    record(
        comment,
        moderator,
        "delete",
        from_status=comment.status,
        detail=f"#{comment.id} by {comment.author_name}: {comment.body[:200]}",
    )
    db.session.flush()
    db.session.delete(comment)
    _flush(comment)


def moderator_reply(
    parent: Comment, moderator: Moderator, body: str, *, name: str = "Moderator"
) -> Comment:
    """A reply from the site, published at once."""
    comment = Comment(
        article_id=parent.article_id,
        parent_id=parent.id,
        author_name=name,
        email=moderator.email,
        website="",
        body=body,
        html=render_comment(body),
        status=Status.APPROVED,
        by_moderator_id=moderator.id,
    )
    db.session.add(comment)
    db.session.flush()
    record(comment, moderator, "reply", to_status=Status.APPROVED)
    return comment


# --- from the dashboard -----------------------------------------------------------


def edit_article(
    article: Article, *, title: str, url: str, moderator: Moderator | None = None
) -> Article:
    """Change an article's title and address; the change goes to the log."""
    title, url = title.strip(), url.strip()
    if (title, url) == (article.title, article.url):
        return article
    before = f"{article.title!r} <{article.url}>"
    article.title, article.url = title, url
    record(
        None,
        moderator,
        "edit article",
        detail=f"was {before}, now {title!r} <{url}>",
        article_id=article.id,
    )
    return article


def close_article(article: Article, closed: bool, moderator: Moderator | None = None) -> Article:
    """Close or reopen an article for new comments (its comments stay visible); log it."""
    if article.closed != closed:
        article.closed = closed
        record(None, moderator, "close" if closed else "reopen", article_id=article.id)
    return article


def reply_from_dashboard(
    parent: Comment,
    moderator: Moderator,
    body: str,
    *,
    expected_version: int | None = None,
    max_depth: int = 3,
) -> Comment:
    """Reply as the site. Replying to a pending comment approves it first, since a
    published reply under an unpublished comment would make no sense to readers."""
    _check_version(parent, expected_version)
    if parent.status in (Status.REJECTED, Status.SPAM):
        raise DomainError(
            f"Comment #{parent.id} is {parent.status.value}; restore and approve it "
            "before replying."
        )
    if thread_depth(parent) >= max_depth:
        raise DomainError("This conversation is nested as deep as it can go.")
    if parent.status == Status.PENDING:
        approve(parent, moderator)
    return moderator_reply(parent, moderator, body)


@dataclass
class BulkResult:
    """What one action on many comments did: the ones changed and the ones skipped."""

    done: list[int]
    conflicts: list[int]


def moderate_many(
    items: list[tuple[Comment, int | None]], action: str, moderator: Moderator | None
) -> BulkResult:
    """Apply one action (``approve``, ``reject``, ``spam``, ``restore`` or ``delete``)
    to many comments, each with the version the moderator saw.

    A comment that changed since is skipped and reported, the others are done. A clash
    at the very moment of writing raises ConflictError: the caller rolls back.
    """
    if action != "delete" and action not in ACTIONS:
        raise DomainError(f"Unknown action {action!r}.")
    result = BulkResult(done=[], conflicts=[])
    for comment, expected_version in items:
        if expected_version is not None and comment.version != expected_version:
            result.conflicts.append(comment.id)
            continue
        result.done.append(comment.id)
        if action == "delete":
            delete_comment(comment, moderator)
        else:
            set_status(comment, ACTIONS[action], moderator)
    return result
