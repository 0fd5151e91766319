"""A reader's comment arriving: decode the request, check the token and the spam rules,
store the comment as pending."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from flask import current_app, request
from werkzeug.datastructures import MultiDict

from .. import comments as domain
from ..comments.models import Comment
from ..comments.tokens import TokenError, check_token
from ..core.i18n import _, english
from ..decoding import body_fields
from ..errors import status_for
from ..extensions import db, limiter
from .cors import origin_allowed
from .forms import CommentForm

log = logging.getLogger(__name__)

COMMENT_FIELDS = ("name", "email", "website", "body", "parent_id", "token", "homepage")
ARTICLE_FIELDS = ("title", "url")
THANKS = _("Thank you! Your comment is awaiting moderation.")
CORRECT_FIELDS = _("Please correct the marked fields.")
FOREIGN_SITE = _("Comments cannot be sent from this site.")


def _post_rate_limit() -> str:
    return current_app.config["POST_RATE_LIMIT"]


post_limit = limiter.shared_limit(_post_rate_limit, scope="comment-post", methods=["POST"])


class SubmissionRefused(Exception):
    """The submission is refused as a whole (unknown article, closed, bad origin)."""

    def __init__(self, status: int, message: object) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def payload() -> MultiDict[str, str]:
    """The submitted fields, from JSON or from a form, as checked text."""
    return body_fields((*COMMENT_FIELDS, *ARTICLE_FIELDS))


def submit(article_id: str, form: CommentForm, payload: MultiDict[str, str]) -> Comment:
    """Validate, check the token and the spam rules, then store the comment as pending.

    Field errors end up in ``form.errors``; refusals of the whole request raise
    :class:`SubmissionRefused`.
    """
    config = current_app.config
    if not origin_allowed(request.headers.get("Origin")):
        log.info("Refused a comment on %s: its origin is not allowed", article_id)
        raise SubmissionRefused(403, FOREIGN_SITE)
    valid = form.validate()
    good_token = None
    try:
        good_token = check_token(
            config["SECRET_KEY"],
            form.token.data or "",
            article_id,
            min_age=config["MIN_FILL_SECONDS"],
            max_age=config["FORM_TOKEN_MAX_AGE"],
        )
    except TokenError as exc:
        log.info("Refused a form token for %s: %s", article_id, exc.message.english)
        form.token.errors = [*form.token.errors, exc.message]
        valid = False
    if not valid or good_token is None:
        log.info("Refused a comment on %s: invalid %s", article_id, ", ".join(sorted(form.errors)))
        raise domain.DomainError(CORRECT_FIELDS)

    submission = domain.Submission(
        name=form.name.data,
        email=form.email.data,
        website=form.website.data or "",
        body=form.body.data,
        parent_id=form.parent_id.data,
        honeypot=form.homepage.data or "",
    )
    try:
        posted = domain.post_comment(
            article_id,
            submission,
            good_token,
            posting_rules(config),
            title=str(payload.get("title", "")),
            url=str(payload.get("url", "")),
            remote_addr=request.remote_addr,
        )
    except (domain.ArticleNotFound, domain.CommentsClosed) as exc:
        db.session.rollback()
        log.info("Refused a comment on %s: %s", article_id, english(exc.message))
        raise SubmissionRefused(status_for(exc), exc.message) from exc
    except domain.InvalidParent as exc:
        db.session.rollback()
        log.info("Refused a reply on %s: %s", article_id, english(exc.message))
        form.parent_id.errors = [*form.parent_id.errors, exc.message]
        raise domain.DomainError(CORRECT_FIELDS) from exc
    except TokenError as exc:
        db.session.rollback()
        log.info("Refused a comment on %s: %s", article_id, exc.message.english)
        form.token.errors = [*form.token.errors, exc.message]
        raise domain.DomainError(CORRECT_FIELDS) from exc
    db.session.commit()
    comment, reason = posted.comment, posted.verdict.reason
    held = f" (held: {reason})" if reason else ""
    log.info("Comment #%d on %s stored as %s%s", comment.id, article_id, comment.status, held)
    return comment


def posting_rules(config: Mapping[str, Any]) -> domain.PostingRules:
    return domain.PostingRules(
        auto_create_articles=config["AUTO_CREATE_ARTICLES"],
        article_origins=tuple(config["ALLOWED_ORIGINS"]),
        article_url_prefixes=tuple(config["ARTICLE_URL_PREFIXES"]),
        max_thread_depth=config["MAX_THREAD_DEPTH"],
        blocklist=config["BLOCKLIST"],
    )
