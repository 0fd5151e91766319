"""What the blogs and their readers see: the embed page, its fragment, the widget
script, the JSON API and the demo blog page.

Nothing here needs a cookie: the comment POST is proven by a signed form token.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from markupsafe import Markup
from werkzeug.datastructures import MultiDict

from . import assets, avatars, spam
from . import comments as domain
from .errors import error_response
from .extensions import csrf, db, limiter
from .forms import CommentForm
from .models import TITLE_MAX, URL_MAX, Comment
from .origins import add_cors_headers, frame_ancestors, origin_allowed
from .text import clean_line, safe_link, web_url_or_empty
from .tokens import TokenError, check_token, issue_token, spend_token

bp = Blueprint("public", __name__)
csrf.exempt(bp)
bp.after_app_request(add_cors_headers)

COMMENT_FIELDS = ("name", "email", "website", "body", "parent_id", "token", "homepage")
ARTICLE_FIELDS = ("title", "url")
MAX_COUNT_ARTICLES = 100
DEMO_ARTICLE_ID = "miracle-in-cell-no-7"
# /embed.js is revalidated every few minutes, so a new release reaches every blog soon;
# the content-hashed /v/<digest>/<name> URLs never change and are kept for a year.
EMBED_JS_CACHE = "public, max-age=600"
IMMUTABLE = "public, max-age=31536000, immutable"
THANKS = "Thank you! Your comment is awaiting moderation."


def _post_rate_limit() -> str:
    return str(current_app.config["POST_RATE_LIMIT"])


post_limit = limiter.shared_limit(_post_rate_limit, scope="comment-post", methods=["POST"])


@dataclass
class ArticleView:
    """What the embed page needs to know of an article, existing or not yet."""

    id: str
    title: str
    url: str
    closed: bool


class SubmissionRefused(Exception):
    """The submission is refused as a whole (unknown article, closed, bad origin)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


# --- template helpers -------------------------------------------------------------


@bp.app_template_filter("avatar")
def avatar_filter(comment: Comment) -> Markup:
    """The commenter's avatar: an identicon keyed with the secret, never the email."""
    config = current_app.config
    return avatars.avatar(
        comment.email, str(config["SECRET_KEY"]), gravatar=bool(config["GRAVATAR"])
    )


bp.add_app_template_filter(safe_link, "safe_link")


@bp.app_template_global()
def asset_url(name: str, external: bool = False) -> str:
    """The immutable, content-hashed URL of a widget asset."""
    digest = assets.load(name).digest
    return url_for("public.versioned_asset", digest=digest, name=name, _external=external)


# --- helpers ----------------------------------------------------------------------


def _public_etag(article_id: str, kind: str, *extra: str) -> str:
    """The validator of what readers see of an article, without rendering it.

    Unknown articles show what the query string names, so it takes part; so do the
    settings that change the rendering.
    """
    config = current_app.config
    parts = (
        kind,
        domain.public_state(article_id) if domain.is_valid_article_id(article_id) else "",
        request.query_string.decode(errors="replace"),
        str(config["MAX_THREAD_DEPTH"]),
        str(config["GRAVATAR"]),
        *extra,
    )
    return hashlib.blake2b("\x1f".join(parts).encode(), digest_size=16).hexdigest()


def _not_modified(etag: str) -> Response:
    response = Response(status=304)
    response.set_etag(etag)
    response.headers["Cache-Control"] = "no-cache"
    return response


def _article_view(article_id: str) -> ArticleView:
    article = domain.get_article(article_id)
    if article is not None:
        return ArticleView(article.id, article.title, article.url, article.closed)
    if current_app.config["AUTO_CREATE_ARTICLES"] and domain.is_valid_article_id(article_id):
        # Not created yet: show what the first comment would create it with.
        title = clean_line(request.args.get("title", ""), TITLE_MAX)
        url = web_url_or_empty(request.args.get("url", ""), URL_MAX)
        return ArticleView(article_id, title, url, False)
    abort(404, "There is no such article.")


def _payload() -> MultiDict[str, Any]:
    """The submitted fields, from JSON or from a form, as strings."""
    if request.is_json:
        # A chunked body is cut at the size limit rather than refused: refuse it here, so
        # an oversized body is a 413 and not "invalid JSON".
        limit = request.max_content_length
        if limit is not None and len(request.get_data(cache=True)) >= limit:
            abort(413)
        data = request.get_json(silent=True)
        if data is None:
            abort(400, "The request body is not valid JSON.")
        if not isinstance(data, dict):
            abort(400, "Send a JSON object with the comment's fields.")
        fields: MultiDict[str, Any] = MultiDict()
        for key in (*COMMENT_FIELDS, *ARTICLE_FIELDS):
            value = data.get(key)
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, str | int):
                abort(400, f"The field {key!r} must be a string.")
            fields[key] = str(value)
        return fields
    return MultiDict(request.form)


def _submit(article_id: str, form: CommentForm, payload: MultiDict[str, Any]) -> Comment:
    """Validate, check the token and the spam rules, then store the comment as pending.

    Field errors end up in ``form.errors``; refusals of the whole request raise
    :class:`SubmissionRefused`.
    """
    config = current_app.config
    if not origin_allowed(request.headers.get("Origin")):
        raise SubmissionRefused(403, "Comments cannot be sent from this site.")
    valid = form.validate()
    good_token = None
    try:
        good_token = check_token(
            config["SECRET_KEY"],
            form.token.data or "",
            article_id,
            min_age=float(config["MIN_FILL_SECONDS"]),
            max_age=float(config["FORM_TOKEN_MAX_AGE"]),
        )
    except TokenError as exc:
        form.token.errors = [*form.token.errors, str(exc)]
        valid = False
    if not valid or good_token is None:
        raise domain.DomainError("Please correct the marked fields.")

    try:
        article = domain.article_for_comment(
            article_id,
            title=str(payload.get("title", "")),
            url=str(payload.get("url", "")),
            auto_create=bool(config["AUTO_CREATE_ARTICLES"]),
        )
    except (domain.ArticleNotFound, domain.CommentsClosed) as exc:
        raise SubmissionRefused(exc.status_code, exc.message) from exc

    verdict = spam.check_submission(
        name=form.name.data,
        email=form.email.data,
        website=form.website.data or "",
        body=form.body.data,
        honeypot=form.homepage.data or "",
        blocklist=list(config["BLOCKLIST"]),
    )
    try:
        comment = domain.submit_comment(
            article,
            domain.Submission(
                name=form.name.data,
                email=form.email.data,
                website=form.website.data or "",
                body=form.body.data,
                parent_id=form.parent_id.data,
            ),
            remote_addr=request.remote_addr,
            spam=verdict.spam,
            held_reason=verdict.reason,
            max_depth=int(config["MAX_THREAD_DEPTH"]),
        )
    except domain.InvalidParent as exc:
        db.session.rollback()
        form.parent_id.errors = [*form.parent_id.errors, exc.message]
        raise domain.DomainError("Please correct the marked fields.") from exc
    try:
        spend_token(good_token)
    except TokenError as exc:
        db.session.rollback()
        form.token.errors = [*form.token.errors, str(exc)]
        raise domain.DomainError("Please correct the marked fields.") from exc
    db.session.commit()
    return comment


def _reply_target(comments: list[Comment], form: CommentForm) -> Comment | None:
    """The published comment the no-JS form answers (``?reply_to=`` or a re-shown form)."""
    wanted = form.parent_id.data or request.args.get("reply_to", type=int)
    return next((c for c in comments if c.id == wanted), None) if wanted else None


def _render_fragment(
    template: str, article_id: str, *, form: CommentForm, notice: str = "", external: bool
) -> str:
    article = _article_view(article_id)
    comments = domain.approved_comments(article.id)
    return render_template(
        template,
        article=article,
        thread=domain.build_thread(comments),
        count=len(comments),
        form=form,
        notice=notice,
        reply_to=_reply_target(comments, form),
        max_depth=int(current_app.config["MAX_THREAD_DEPTH"]),
        external=external,
    )


def _embed_response(
    article_id: str,
    *,
    form: CommentForm | None = None,
    notice: str = "",
    status: int = 200,
) -> Response:
    if form is None:
        form = CommentForm(formdata=None)
    if not form.token.data or form.token.errors:
        form.token.data = issue_token(current_app.config["SECRET_KEY"], article_id)
    html = _render_fragment("embed/page.html", article_id, form=form, notice=notice, external=False)
    response = Response(html, status=status, mimetype="text/html")
    img_src = "img-src 'self' data:"
    if current_app.config["GRAVATAR"]:
        img_src += " " + avatars.GRAVATAR_ORIGIN
    response.headers["Content-Security-Policy"] = (
        f"default-src 'none'; style-src 'self'; script-src 'self'; {img_src}; "
        "form-action 'self'; base-uri 'none'; " + frame_ancestors()
    )
    response.headers["Cache-Control"] = "no-store"
    return response


# --- the embed page (works without JavaScript) ------------------------------------


@bp.get("/embed/<article_id>")
def embed_page(article_id: str) -> Response:
    return _embed_response(article_id, notice=THANKS if request.args.get("posted") else "")


@bp.post("/embed/<article_id>")
@post_limit
def embed_post(article_id: str) -> ResponseReturnValue:
    payload = _payload()
    form = CommentForm(formdata=payload)
    try:
        _submit(article_id, form, payload)
    except SubmissionRefused as exc:
        return error_response(exc.status, exc.message)
    except domain.DomainError as exc:
        return _embed_response(article_id, form=form, notice=exc.message, status=400)
    target = url_for("public.embed_page", article_id=article_id, posted=1)
    return redirect(target + "#leave-reply", code=303)


@bp.get("/embed/<article_id>/fragment")
def embed_fragment(article_id: str) -> Response:
    """Just the comments and the form, as HTML with absolute URLs.

    The script widget puts it in a shadow root; a dynamic blog or a static-site build
    can include it server-side. It carries no form token (the widget fetches one when
    it renders), so it is revalidated cheaply with its ETag.
    """
    etag = _public_etag(article_id, "fragment", assets.load("widget.css").digest)
    if etag in request.if_none_match:
        return _not_modified(etag)
    html = _render_fragment(
        "embed/fragment.html", article_id, form=CommentForm(formdata=None), external=True
    )
    response = Response(html, mimetype="text/html")
    response.headers["Cache-Control"] = "no-cache"
    response.set_etag(etag)
    return response


# --- the widget script and its assets ---------------------------------------------


def _asset_response(asset: assets.Asset, cache_control: str) -> Response:
    response = Response(asset.body, mimetype=asset.mimetype)
    response.headers["Cache-Control"] = cache_control
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.set_etag(asset.digest)
    response.make_conditional(request)
    return response


@bp.get("/embed.js")
def embed_js() -> Response:
    """The widget: a short cache lifetime and an ETag; the pinned URL in ``Link``."""
    asset = assets.load("embed.js")
    response = _asset_response(asset, EMBED_JS_CACHE)
    pinned = url_for("public.versioned_asset", digest=asset.digest, name=asset.name, _external=True)
    response.headers["Link"] = f'<{pinned}>; rel="canonical"'
    return response


@bp.get("/v/<digest>/<name>")
def versioned_asset(digest: str, name: str) -> ResponseReturnValue:
    """A widget asset under its content hash, kept a year; an old hash moves on."""
    try:
        asset = assets.load(name)
    except KeyError:
        abort(404)
    if digest != asset.digest:
        response = redirect(url_for("public.versioned_asset", digest=asset.digest, name=name))
        response.headers["Cache-Control"] = "no-cache"
        return response
    return _asset_response(asset, IMMUTABLE)


# --- the demo blog ----------------------------------------------------------------


@bp.get("/demo")
def demo() -> str:
    """A blog page with the widget embedded through the real snippet."""
    return render_template("demo.html", article_id=DEMO_ARTICLE_ID)


# --- the JSON API -----------------------------------------------------------------


@bp.get("/api/articles/<article_id>/comments")
def api_comments(article_id: str) -> ResponseReturnValue:
    etag = _public_etag(article_id, "json")
    if etag in request.if_none_match:
        return _not_modified(etag)
    article = _article_view(article_id)
    comments = domain.approved_comments(article.id)
    response = jsonify(
        article={"id": article.id, "title": article.title, "url": article.url},
        count=len(comments),
        closed=article.closed,
        comments=[domain.public_comment(c) for c in comments],
    )
    # Always revalidated, so an approval shows at once; unchanged lists cost a 304.
    response.headers["Cache-Control"] = "no-cache"
    response.set_etag(etag)
    return response


@bp.get("/api/counts")
def api_counts() -> ResponseReturnValue:
    """Approved-comment counts of several articles: ``?article=a&article=b``."""
    article_ids = list(dict.fromkeys(request.args.getlist("article")))
    if not article_ids:
        abort(400, "Name at least one article: /api/counts?article=ID.")
    if len(article_ids) > MAX_COUNT_ARTICLES:
        abort(400, f"Ask for at most {MAX_COUNT_ARTICLES} articles at once.")
    # An id that cannot exist has no comments; one bad id must not blank the others.
    counts = domain.approved_counts([a for a in article_ids if domain.is_valid_article_id(a)])
    counts.update((a, 0) for a in article_ids if a not in counts)
    response = jsonify(counts=counts)
    response.headers["Cache-Control"] = "no-cache"
    response.add_etag()
    return response.make_conditional(request)


@bp.get("/api/articles/<article_id>/form-token")
def api_form_token(article_id: str) -> Response:
    if not domain.is_valid_article_id(article_id):
        abort(404, "There is no such article.")
    response = jsonify(
        token=issue_token(current_app.config["SECRET_KEY"], article_id),
        expires_in=int(current_app.config["FORM_TOKEN_MAX_AGE"]),
        min_wait=float(current_app.config["MIN_FILL_SECONDS"]),
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/api/articles/<article_id>/comments")
@post_limit
def api_post_comment(article_id: str) -> Response | tuple[Response, int]:
    payload = _payload()
    form = CommentForm(formdata=payload)
    try:
        comment = _submit(article_id, form, payload)
    except SubmissionRefused as exc:
        return error_response(exc.status, exc.message)
    except domain.DomainError as exc:
        return error_response(400, exc.message, errors=form.errors_by_field())
    # The same template as every other comment, marked as pending, for the reader alone.
    rendered = render_template("embed/pending.html", comment=comment, article=comment.article)
    return (
        jsonify(
            id=comment.id,
            status="pending",
            message=THANKS,
            comment=domain.public_comment(comment),
            comment_html=rendered.strip(),
        ),
        202,
    )
