"""A reader's comment arriving: decode the request, check the token and the spam rules,
store the comment as pending."""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Mapping
from typing import Any

from flask import current_app, request
from flask_babel import ngettext
from flask_limiter.util import get_remote_address
from limits import RateLimitItem, parse_many
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import TooManyRequests

from .. import comments as domain
from ..comments.models import Comment
from ..comments.tokens import GoodToken, TokenError, check_token
from ..core.database import commit_keeping_loaded
from ..core.i18n import _, english
from ..decoding import body_fields
from ..errors import rollback, status_for
from ..extensions import db, limiter
from ..i18n import locale_name
from ..privacy.addresses import stored_address
from .cors import origin_allowed
from .forms import CommentForm

log = logging.getLogger(__name__)

COMMENT_FIELDS = ("name", "email", "website", "body", "parent_id", "token", "homepage", "notify")
# Checkboxes: a form sends them only when ticked, JSON may send true or false.
FLAG_FIELDS = ("notify",)
ARTICLE_FIELDS = ("title", "url")
THANKS = _("Thank you! Your comment is awaiting moderation.")
CORRECT_FIELDS = _("Please correct the marked fields.")
FOREIGN_SITE = _("Comments cannot be sent from this site.")


def _post_attempt_limit() -> str:
    return str(current_app.config["POST_ATTEMPT_LIMIT"])


# Every attempt, refused or not, per client address: a script hammering the form with
# bad fields is stopped before any work is done.
_attempt_limit = limiter.shared_limit(
    _post_attempt_limit, scope="comment-attempt", methods=["POST"]
)

STORED_SCOPE = "comment-stored"


def post_limit(view: Callable[..., Any]) -> Callable[..., Any]:
    """The attempts' limit, for the API's and the form's POST (stored comments are
    counted by ``take_comment_allowance``, once a submission is valid)."""
    return _attempt_limit(view)


Allowance = list[tuple[RateLimitItem, tuple[str, ...]]]


def take_comment_allowance() -> Allowance:
    """Count one comment against ``POST_RATE_LIMIT`` for this client, or refuse with a
    429 when it is spent. Each count is one atomic increment in the limiter's storage
    (Redis or the database), shared by every worker: two posts at once cannot both take
    the last place. Taken once the submission is valid and before anything is written;
    a refusal after that gives it back (``give_back``), so only stored comments count."""
    config = current_app.config
    taken: Allowance = []
    if not config.get("RATELIMIT_ENABLED", True):
        return taken
    identity = (str(config.get("RATELIMIT_KEY_PREFIX") or ""), STORED_SCOPE, get_remote_address())
    try:
        for item in parse_many(config["POST_RATE_LIMIT"]):
            allowed = limiter.limiter.hit(item, *identity)
            taken.append((item, identity))
            if not allowed:
                reset = limiter.limiter.get_window_stats(item, *identity).reset_time
                wait = max(1, math.ceil(reset - time.time()))
                raise TooManyRequests(
                    ngettext(
                        "Too many comments. Please wait %(num)d second and try again.",
                        "Too many comments. Please wait %(num)d seconds and try again.",
                        wait,
                    ),
                    retry_after=wait,
                )
    except limiter.limiter.storage.base_exceptions:
        # The limiter's storage is down: better a comment than an error page.
        log.warning("The comment limit could not be counted: its storage is unavailable")
    return taken


def give_back(taken: Allowance) -> None:
    """Undo ``take_comment_allowance``: the comment was refused after all."""
    try:
        for item, identity in taken:
            limiter.limiter.storage.incr(item.key_for(*identity), item.get_expiry(), amount=-1)
    except limiter.limiter.storage.base_exceptions:
        log.warning("The comment limit could not be given back: its storage is unavailable")


class SubmissionRefused(Exception):
    """The submission is refused as a whole (unknown article, closed, bad origin)."""

    def __init__(self, status: int, message: object) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def payload() -> MultiDict[str, str]:
    """The submitted fields, from JSON or from a form, as checked text."""
    return body_fields((*COMMENT_FIELDS, *ARTICLE_FIELDS), FLAG_FIELDS)


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
        notify=bool(form.notify.data),
        # The language the reader's mails about this comment will speak.
        locale=locale_name(),
    )
    allowance = take_comment_allowance()
    try:
        posted = _store(article_id, submission, good_token, form, payload)
    except BaseException:
        rollback()  # first, so the database storage's own write is not kept waiting
        give_back(allowance)
        raise
    # The answer is made from the comment as it was just written: no second read of it.
    commit_keeping_loaded()
    # The rules' codes, never the reason itself: it may quote a blocked address.
    comment, codes = posted.comment, posted.verdict.code
    held = f" (held: {codes})" if codes else ""
    log.info("Comment #%d on %s stored as %s%s", comment.id, article_id, comment.status, held)
    return comment


def _store(
    article_id: str,
    submission: domain.Submission,
    good_token: GoodToken,
    form: CommentForm,
    payload: MultiDict[str, str],
) -> domain.Posted:
    """Post the comment in the session (not committed), or raise the refusal."""
    config = current_app.config
    try:
        posted = domain.post_comment(
            article_id,
            submission,
            good_token,
            posting_rules(config),
            title=str(payload.get("title", "")),
            url=str(payload.get("url", "")),
            remote_addr=stored_address(request.remote_addr, config["STORE_IP"]),
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
    except domain.DuplicateComment as exc:
        db.session.rollback()
        log.info("Refused a comment on %s: a copy of one sent before", article_id)
        form.body.errors = [*form.body.errors, exc.message]
        raise domain.DomainError(exc.message) from exc
    except TokenError as exc:
        db.session.rollback()
        log.info("Refused a comment on %s: %s", article_id, english(exc.message))
        form.token.errors = [*form.token.errors, exc.message]
        raise domain.DomainError(CORRECT_FIELDS) from exc
    return posted


def posting_rules(config: Mapping[str, Any]) -> domain.PostingRules:
    return domain.PostingRules(
        auto_create_articles=config["AUTO_CREATE_ARTICLES"],
        article_origins=tuple(config["ALLOWED_ORIGINS"]),
        article_url_prefixes=tuple(config["ARTICLE_URL_PREFIXES"]),
        max_thread_depth=config["MAX_THREAD_DEPTH"],
        blocklist=config["BLOCKLIST"],
    )
