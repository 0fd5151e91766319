"""Posting: the whole "post a comment" use case, from a checked form to a stored,
pending (or spam) comment rendered to safe HTML once."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, bindparam, func, select

from ..core.database import db, utcnow
from ..core.exceptions import CommentsClosed, DuplicateComment, InvalidParent
from ..core.i18n import _, match_locale
from ..core.text import normalize_email
from ..notify.addresses import is_confirmed
from ..spam import learning
from ..spam.checks import Verdict, check_submission
from ..spam.models import ReturningAuthors
from ..spam.rules import current_rules
from .articles import article_for_comment, bump_version
from .audit import record
from .models import Article, Comment, Status, text_digest
from .notifications import comment_posted, status_changed
from .rendering import render_comment
from .threads import TOO_DEEP, can_reply_to
from .tokens import GoodToken, spend_token


@dataclass(frozen=True)
class Submission:
    """What a reader sent, already validated by the form."""

    name: str
    email: str
    website: str
    body: str
    parent_id: int | None = None
    # A field people never see; bots fill it in.
    honeypot: str = ""
    # "Email me when someone replies" (once the address is confirmed).
    notify: bool = False
    # The language the reader wrote in (``i18n.reader_locale``), for their mails.
    locale: str | None = None


@dataclass(frozen=True)
class PostingRules:
    """The site owner's settings that a new comment is held to."""

    auto_create_articles: bool = True
    # Where a new article's title and address may come from a reader: the blogs'
    # origins and the owner's address prefixes (see ``articles.reader_details``).
    article_origins: tuple[str, ...] = ()
    article_url_prefixes: tuple[str, ...] = ()
    max_thread_depth: int = 3
    # MODERATION_BLOCKLIST: the hold words the owner's rules start with.
    blocklist: list[str] = field(default_factory=list)


# The same text from the same address on the same article within this time is refused.
DUPLICATE_WINDOW = timedelta(days=1)
DUPLICATE_MESSAGE = _(
    "You sent this very comment here already; it is waiting for a moderator, "
    "so there is no need to send it again."
)


def check_not_duplicate(article: Article, submission: Submission) -> None:
    """Refuse a second copy of a comment: same article, same address, same text, within
    a day (a double click, a reload, a bot repeating itself)."""
    values = _duplicate_values(article.id, submission.email, submission.body, utcnow())
    if db.session.scalar(_DUPLICATE, values) is not None:
        raise DuplicateComment(DUPLICATE_MESSAGE)


# An earlier copy's id: a short range of the author index (address, article, the text's
# digest, the last day), however many comments the article or the author has. Built
# once, its values passed as parameters (building it cost more than running it).
_DUPLICATE = (
    select(Comment.id)
    .where(
        Comment.email == bindparam("email"),
        Comment.article_id == bindparam("article_id"),
        Comment.body_digest == bindparam("digest"),
        Comment.created_at >= bindparam("since"),
        Comment.body == bindparam("body"),
    )
    .limit(1)
)


def _duplicate_values(article_id: str, email: str, body: str, now: datetime) -> dict[str, Any]:
    return {
        "email": email,
        "article_id": article_id,
        "digest": text_digest(body),
        "since": now - DUPLICATE_WINDOW,
        "body": body,
    }


def duplicate_query(article_id: str, email: str, body: str, now: datetime) -> Select[Any]:
    """The duplicate check's statement with its values, as one statement."""
    return _DUPLICATE.params(_duplicate_values(article_id, email, body, now))


@dataclass(frozen=True)
class Posted:
    comment: Comment
    verdict: Verdict


def post_comment(
    article_id: str,
    submission: Submission,
    token: GoodToken,
    rules: PostingRules,
    *,
    title: str = "",
    url: str = "",
    remote_addr: str | None = None,
) -> Posted:
    """Store a reader's comment on ``article_id`` (created on its first comment when the
    rules allow, with the reader's ``title`` and ``url`` when the rules trust that
    address), checked against the spam rules, spend the form ``token`` that carried it,
    and write what the moderators, the webhooks and (for confirmation) the reader are
    to be told to the outbox, all in the caller's transaction.

    Raises ArticleNotFound, CommentsClosed, InvalidParent, DuplicateComment or
    TokenError (the token was spent already); nothing is stored then, once the caller
    rolls back.
    """
    article = article_for_comment(
        article_id,
        title=title,
        url=url,
        auto_create=rules.auto_create_articles,
        origins=rules.article_origins,
        prefixes=rules.article_url_prefixes,
    )
    if not article.closed:
        check_not_duplicate(article, submission)
    score = learning.score(
        learning.DatabaseCounts(), learning.tokens(submission.body, submission.website)
    )
    ruleset = current_rules(rules.blocklist)
    verdict = check_submission(
        name=submission.name,
        email=submission.email,
        website=submission.website,
        body=submission.body,
        honeypot=submission.honeypot,
        rules=ruleset,
        ip=remote_addr or "",
        score=score,
    )
    comment = submit_comment(
        article,
        submission,
        spam=verdict.spam,
        held_reason=verdict.reason,
        held_rules=verdict.code,
        score=score,
        max_depth=rules.max_thread_depth,
        remote_addr=remote_addr,
    )
    if (
        comment.status == Status.PENDING
        and not verdict.reasons
        and ruleset.returning_authors == ReturningAuthors.CONFIRMED
        and is_trusted_author(submission.email)
    ):
        comment.notify_replies = submission.notify
        publish_trusted(comment)
    spend_token(token)
    comment_posted(comment, wants_replies=comment.notify_replies)
    return Posted(comment, verdict)


TRUSTED = "trusted author: confirmed address, published before"


def is_trusted_author(email: str) -> bool:
    """The address was confirmed by its owner (double opt-in) and has a published
    comment: a typed, unconfirmed address never earns trust.

    The published comment is looked up by the address as typed now or in its stored
    spelling (lower case), through the author index: an earlier comment typed in
    another mix of cases does not count, which only means one more wait in the queue.
    """
    if not is_confirmed(email):
        return False
    return db.session.scalar(published_by_query(email)) is not None


def published_by_query(email: str) -> Select[Any]:
    """A published comment of a reader at ``email`` (as typed, or lower-cased), found
    through the author index."""
    spellings = sorted({email.strip(), normalize_email(email)})
    return (
        select(Comment.id)
        .where(
            Comment.email.in_(spellings),
            # Tested on each of the author's rows, not looked up: SQLite, which keeps no
            # statistics unless asked, would otherwise walk every published comment
            # through the status index (PostgreSQL's statistics never would).
            func.coalesce(Comment.status, "") == Status.APPROVED,
            Comment.by_moderator_id.is_(None),
        )
        .limit(1)
    )


def publish_trusted(comment: Comment) -> None:
    """Publish a trusted author's comment at once; the log says why. The filter learns
    nothing from it: no moderator decided."""
    comment.status = Status.APPROVED
    db.session.flush()
    record(
        comment,
        None,
        "approve",
        from_status=Status.PENDING,
        to_status=Status.APPROVED,
        detail=TRUSTED,
    )
    bump_version(comment.article_id)
    # Its webhooks, and the mail to the author it answers, as for any approval.
    status_changed(comment, Status.PENDING)


def submit_comment(
    article: Article,
    submission: Submission,
    *,
    remote_addr: str | None = None,
    spam: bool = False,
    held_reason: str = "",
    held_rules: str = "",
    score: learning.Score | None = None,
    max_depth: int = 3,
) -> Comment:
    """Store a reader's comment as pending (or spam), rendered to safe HTML once."""
    if article.closed:
        raise CommentsClosed(_("Comments are closed for this article."))
    if submission.parent_id is not None:
        parent = db.session.get(Comment, submission.parent_id)
        if parent is None or parent.article_id != article.id or parent.status != Status.APPROVED:
            raise InvalidParent(_("You can only reply to a published comment of this article."))
        if not can_reply_to(parent, max_depth):
            raise InvalidParent(TOO_DEEP)
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
        held_rules=held_rules[:200],
        spam_score=score.probability if score is not None and score.known else None,
        spam_tokens=score.why() if score is not None and score.known else "",
        remote_addr=remote_addr,
        notify_replies=submission.notify,
        locale=match_locale(submission.locale),
    )
    db.session.add(comment)
    db.session.flush()
    return comment
