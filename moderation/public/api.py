"""The JSON API: comments of an article, counts, form tokens, posting."""

from __future__ import annotations

from flask import Response, abort, current_app, jsonify, request
from flask.typing import ResponseReturnValue
from flask_babel import format_number, ngettext
from flask_babel import gettext as _

from .. import comments as domain
from ..comments.models import BODY_MAX
from ..comments.rendering import render_comment
from ..comments.tokens import issue_token
from ..decoding import body_fields
from ..errors import error_response
from ..extensions import limiter
from . import bp
from .assets import STATIC_DIR
from .caching import public_cache_headers
from .forms import CommentForm
from .own import edit_answer
from .posting import THANKS, SubmissionRefused, payload, post_limit, submit
from .reading import (
    article_view,
    cached_read,
    keep_whole,
    load_page,
    not_modified,
    page_request,
    pending_html,
    public_etag,
    unchanged,
)

MAX_COUNT_ARTICLES = 100
# The OpenAPI 3.1 description of every route under /api/, kept true by tests/test_openapi.py.
OPENAPI_FILE = STATIC_DIR / "openapi.json"
# The longest /api/ URL (path and query string) answered. gunicorn refuses a request line
# over 4,094 bytes (--limit-request-line) with an HTML page; well below that, the API
# refuses as JSON, so its clients always get an answer they can read.
MAX_API_URL_LENGTH = 2000


def refuse_long_api_urls() -> Response | None:
    if not request.path.startswith("/api/"):
        return None
    length = len(request.full_path if request.query_string else request.path)
    if length > MAX_API_URL_LENGTH:
        return error_response(
            414,
            _(
                "That address is too long: API addresses are at most %(max)d characters. "
                "Ask for fewer articles at once.",
                max=MAX_API_URL_LENGTH,
            ),
        )
    return None


@bp.get("/api/articles/<article_id>/comments")
def api_comments(article_id: str) -> ResponseReturnValue:
    etag = public_etag(article_id, "json")
    if unchanged(etag, article_id):
        return not_modified(etag)
    wanted = page_request()

    def render() -> bytes:
        article = article_view(article_id)
        page = load_page(article.id, wanted)
        listing = {
            "article": {"id": article.id, "title": article.title, "url": article.url},
            "count": page.total,
            "closed": article.closed,
            "sort": page.sort,
            "older": page.older,
            "comments": [domain.public_comment(c) for c in page.comments],
        }
        return current_app.json.dumps(listing, separators=(",", ":")).encode() + b"\n"

    body = cached_read("json", etag, article_id, render)
    response = Response(body, mimetype="application/json")
    response.set_etag(etag)
    # Any cache may keep it briefly (PUBLIC_MAX_AGE); an unchanged list costs a 304.
    return keep_whole(public_cache_headers(response))


@bp.get("/api/counts")
def api_counts() -> ResponseReturnValue:
    """Approved-comment counts of several articles: ``?article=a&article=b``."""
    article_ids = list(dict.fromkeys(request.args.getlist("article")))
    if not article_ids:
        abort(400, _("Name at least one article: /api/counts?article=ID."))
    if len(article_ids) > MAX_COUNT_ARTICLES:
        abort(400, _("Ask for at most %(max)d articles at once.", max=MAX_COUNT_ARTICLES))
    # An id that cannot exist has no comments; one bad id must not blank the others.
    counts = domain.approved_counts([a for a in article_ids if domain.is_valid_article_id(a)])
    counts.update((a, 0) for a in article_ids if a not in counts)
    # The words, so the widget's script needs none of its own, in every language.
    labels = {a: ngettext("%(num)d comment", "%(num)d comments", n) for a, n in counts.items()}
    response = jsonify(counts=counts, labels=labels)
    public_cache_headers(response)
    response.add_etag()
    response.make_conditional(request)
    return response


@bp.get("/api/articles/<article_id>/form-token")
def api_form_token(article_id: str) -> Response:
    if not domain.is_valid_article_id(article_id):
        abort(404, domain.unknown_article_message(article_id))
    response = jsonify(
        token=issue_token(current_app.config["SECRET_KEY"], article_id),
        expires_in=current_app.config["FORM_TOKEN_MAX_AGE"],
        min_wait=current_app.config["MIN_FILL_SECONDS"],
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/api/articles/<article_id>/comments")
@post_limit
def api_post_comment(article_id: str) -> Response | tuple[Response, int]:
    fields = payload()
    form = CommentForm(formdata=fields)
    try:
        comment = submit(article_id, form, fields)
    except SubmissionRefused as exc:
        return error_response(exc.status, exc.message)
    except domain.DomainError as exc:
        return error_response(400, exc.message, errors=form.errors_by_field())
    # The same template as every other comment, marked as pending, for the reader alone.
    rendered = pending_html(comment)
    return (
        jsonify(
            id=comment.id,
            status="pending",
            message=THANKS,
            comment=domain.public_comment(comment),
            comment_html=rendered,
            **edit_answer(comment),
        ),
        202,
    )


@bp.get("/api/openapi.json")
def api_openapi() -> Response:
    """This API's OpenAPI description, as checked in."""
    response = Response(OPENAPI_FILE.read_bytes(), mimetype="application/json")
    response.headers["Cache-Control"] = "public, max-age=600"
    response.add_etag()
    response.make_conditional(request)
    return response


# Rendering is bounded, but nothing else stands between a script and the renderer.
PREVIEW_RATE_LIMIT = "30 per minute"


@bp.post("/api/preview")
@limiter.limit(PREVIEW_RATE_LIMIT, scope="preview")
def api_preview() -> ResponseReturnValue:
    """A comment's text rendered as it would be published, for the widget's preview."""
    fields = body_fields(("body",))
    if "body" not in fields:
        return error_response(400, _("Send the text to preview."), errors={"body": [_("Missing.")]})
    body = str(fields["body"])
    if len(body) > BODY_MAX:
        too_long = _("Keep the comment under %(max)s characters.", max=format_number(BODY_MAX))
        return error_response(
            400,
            too_long,
            errors={"body": [too_long]},
        )
    response = jsonify(html=render_comment(body))
    response.headers["Cache-Control"] = "no-store"
    return response
