"""Posting: the whole "post a comment" use case, from a checked form to a stored,
pending (or spam) comment rendered to safe HTML once."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..core.database import db
from ..core.exceptions import CommentsClosed, InvalidParent
from ..core.i18n import _
from ..spam.checks import Verdict, check_submission
from .articles import article_for_comment
from .models import Article, Comment, Status
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


@dataclass(frozen=True)
class PostingRules:
    """The site owner's settings that a new comment is held to."""

    auto_create_articles: bool = True
    # Where a new article's title and address may come from a reader: the blogs'
    # origins and the owner's address prefixes (see ``articles.reader_details``).
    article_origins: tuple[str, ...] = ()
    article_url_prefixes: tuple[str, ...] = ()
    max_thread_depth: int = 3
    blocklist: list[str] = field(default_factory=list)


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
    address), checked against the
    spam rules, and spend the form ``token`` that carried it, all in the caller's
    transaction.

    Raises ArticleNotFound, CommentsClosed, InvalidParent or TokenError (the token was
    spent already); nothing is stored then, once the caller rolls back.
    """
    article = article_for_comment(
        article_id,
        title=title,
        url=url,
        auto_create=rules.auto_create_articles,
        origins=rules.article_origins,
        prefixes=rules.article_url_prefixes,
    )
    verdict = check_submission(
        name=submission.name,
        email=submission.email,
        website=submission.website,
        body=submission.body,
        honeypot=submission.honeypot,
        blocklist=rules.blocklist,
    )
    comment = submit_comment(
        article,
        submission,
        spam=verdict.spam,
        held_reason=verdict.reason,
        max_depth=rules.max_thread_depth,
        remote_addr=remote_addr,
    )
    spend_token(token)
    return Posted(comment, verdict)


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
        remote_addr=remote_addr,
    )
    db.session.add(comment)
    db.session.flush()
    return comment
