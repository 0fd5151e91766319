"""The embed page (works without JavaScript) and the fragment the widget loads."""

from __future__ import annotations

from flask import Response, current_app, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import RequestEntityTooLarge

from .. import comments as domain
from ..comments.models import Comment
from ..comments.tokens import issue_token
from ..errors import error_response
from ..i18n import locale_name
from ..security import embed_page_csp, fragment_headers
from ..urls import url_base
from . import assets, bp
from .forms import CommentForm
from .posting import THANKS, SubmissionRefused, payload, post_limit, submit
from .reading import article_view, not_modified, public_etag, unchanged


def _reply_target(comments: list[Comment], form: CommentForm) -> Comment | None:
    """The published comment the no-JS form answers (``?reply_to=`` or a re-shown form)."""
    wanted = form.parent_id.data or request.args.get("reply_to", type=int)
    return next((c for c in comments if c.id == wanted), None) if wanted else None


def _render_fragment(
    template: str, article_id: str, *, form: CommentForm, notice: object = "", external: bool
) -> str:
    article = article_view(article_id)
    comments = domain.approved_comments(article.id)
    return render_template(
        template,
        article=article,
        thread=domain.build_thread(comments),
        count=len(comments),
        form=form,
        notice=notice,
        reply_to=_reply_target(comments, form),
        max_depth=current_app.config["MAX_THREAD_DEPTH"],
        external=external,
    )


def _embed_response(
    article_id: str,
    *,
    form: CommentForm | None = None,
    notice: object = "",
    status: int = 200,
) -> Response:
    if form is None:
        form = CommentForm(formdata=None)
    if not form.token.data or form.token.errors:
        form.token.data = issue_token(current_app.config["SECRET_KEY"], article_id)
    html = _render_fragment("embed/page.html", article_id, form=form, notice=notice, external=False)
    response = Response(html, status=status, mimetype="text/html")
    response.headers["Content-Security-Policy"] = embed_page_csp()
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/embed/<article_id>")
def embed_page(article_id: str) -> Response:
    return _embed_response(article_id, notice=THANKS if request.args.get("posted") else "")


# A reader without JavaScript who pasted a comment a little over the limit must get the
# form back with the text and the length message, not lose it to a 413: this route reads
# bodies up to this size (or MAX_CONTENT_LENGTH, if larger) so the validator can speak.
FORM_HARD_LIMIT = 1024 * 1024
FORM_TOO_LARGE = _l(
    "That comment is far too long to send: comments are limited to 10,000 characters. "
    "Go back (your browser usually keeps what you wrote), shorten it and send it again."
)


@bp.post("/embed/<article_id>")
@post_limit
def embed_post(article_id: str) -> ResponseReturnValue:
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    if limit is not None:
        request.max_content_length = max(int(limit), FORM_HARD_LIMIT)
    try:
        fields = payload()
    except RequestEntityTooLarge:
        return error_response(413, FORM_TOO_LARGE)
    form = CommentForm(formdata=fields)
    try:
        submit(article_id, form, fields)
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
    # Its URLs are absolute: without PUBLIC_URL they name the request's host, and a copy
    # made for one host must not validate for another.
    # The same article in Korean and in Arabic: two copies, two validators.
    etag = public_etag(
        article_id, "fragment", assets.load("widget.css").digest, url_base(), locale_name()
    )
    if unchanged(etag, article_id):
        return fragment_headers(not_modified(etag))
    html = _render_fragment(
        "embed/fragment.html", article_id, form=CommentForm(formdata=None), external=True
    )
    response = Response(html, mimetype="text/html")
    response.headers["Cache-Control"] = "no-cache"
    response.set_etag(etag)
    return fragment_headers(response)
