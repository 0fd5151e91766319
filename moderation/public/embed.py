"""The embed page (works without JavaScript) and the fragment the widget loads."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Response, current_app, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from werkzeug.exceptions import RequestEntityTooLarge

from .. import comments as domain
from ..comments.models import Comment, Status
from ..comments.tokens import issue_token
from ..core.database import db, is_id
from ..errors import FRAGMENT_ERROR_TEMPLATE, error_response
from ..i18n import lang_param, locale_name
from ..security import embed_page_csp, fragment_headers
from ..urls import url_base
from . import assets, bp
from .caching import public_cache_headers
from .cors import origin_allowed
from .forms import CommentForm
from .own import DELETED, EDIT_PARAM, edit_answer
from .posting import THANKS, SubmissionRefused, payload, post_limit, submit
from .reading import (
    article_view,
    avatar_sheet,
    cached_read,
    keep_whole,
    load_page,
    not_modified,
    page_request,
    public_etag,
    unchanged,
)


def _reply_target(article_id: str, form: CommentForm | None) -> Comment | None:
    """The published comment the no-JS form answers (``?reply_to=`` or a re-shown form)."""
    wanted = (form and form.parent_id.data) or request.args.get("reply_to", type=int)
    if not wanted or not is_id(wanted):
        return None
    comment = db.session.get(Comment, wanted)
    if comment is None or comment.article_id != article_id or comment.status != Status.APPROVED:
        return None
    return comment


THEMES = ("auto", "light", "dark")


def _page_theme() -> str:
    theme = request.args.get("theme", "auto")
    return theme if theme in THEMES else "auto"


# Parts of the widget rendered once per language (and id prefix), per app: a few hundred
# bytes each.
RENDERED_ONCE_KEPT = 1000


def rendered_once(
    template: str, idp: str = "", context: Callable[[], dict[str, Any]] = dict
) -> Markup:
    """``template`` rendered for this language and id prefix once, per app: for the parts
    of the widget that depend on nothing else (a blank form's fields, the words its script
    says), the same for every page of every article. ``context`` makes what it needs
    besides, only when it is rendered."""
    kept: dict[tuple[str, str, str], Markup] = current_app.extensions.setdefault(
        "moderation.rendered_once", {}
    )
    key = (locale_name(), template, idp)
    if key not in kept:
        if len(kept) >= RENDERED_ONCE_KEPT:
            kept.clear()
        kept[key] = Markup(render_template(template, idp=idp, **context()))
    return kept[key]


def _blank_fields(idp: str) -> Markup:
    """The reader's fields and the token field of a blank form, for an id prefix (see
    ``rendered_once``): the form object is made only to render them the first time."""
    return rendered_once("embed/_fields.html", idp, lambda: {"form": CommentForm(formdata=None)})


def _render_fragment(
    template: str,
    article_id: str,
    *,
    form: CommentForm | None,
    notice: object = "",
    external: bool,
    own_link: str = "",
) -> str:
    """The article's comments and its form: a blank one (``form`` None, the fragment's),
    or ``form`` as the reader left it."""
    article = article_view(article_id)
    page = load_page(article.id, page_request())
    return render_template(
        template,
        article=article,
        page=page,
        comments=domain.in_order(page.threads),
        count=page.total,
        avatars=avatar_sheet(f"{article.id}-" if external else ""),
        form=form,
        notice=notice,
        own_link=own_link,
        reply_to=_reply_target(article.id, form),
        max_depth=current_app.config["MAX_THREAD_DEPTH"],
        external=external,
        pending=False,
        blank_fields=_blank_fields if form is None else None,
        rendered_once=rendered_once,
        # The /embed page is a document of its own, with nothing to inherit a look from:
        # it follows the reader's scheme unless ?theme= pins one.
        theme=None if external else _page_theme(),
    )


def _embed_response(
    article_id: str,
    *,
    form: CommentForm | None = None,
    notice: object = "",
    status: int = 200,
    own_link: str = "",
) -> Response:
    if form is None:
        form = CommentForm(formdata=None)
    if not form.token.data or form.token.errors:
        form.token.data = issue_token(current_app.config["SECRET_KEY"], article_id)
    html = _render_fragment(
        "embed/page.html", article_id, form=form, notice=notice, external=False, own_link=own_link
    )
    response = Response(html, status=status, mimetype="text/html")
    response.headers["Content-Security-Policy"] = embed_page_csp()
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/embed/<article_id>")
def embed_page(article_id: str) -> Response:
    if request.args.get("deleted"):
        return _embed_response(article_id, notice=DELETED)
    if not request.args.get("posted"):
        return _embed_response(article_id)
    token = request.args.get(EDIT_PARAM, "")
    link = url_for("public.embed_mine", article_id=article_id, edit=token, lang=lang_param())
    response = _embed_response(article_id, notice=THANKS, own_link=link if token else "")
    # The address carries the edit token: never hand it on to another page.
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


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
        comment = submit(article_id, form, fields)
    except SubmissionRefused as exc:
        return error_response(exc.status, exc.message)
    except domain.DomainError as exc:
        return _embed_response(article_id, form=form, notice=exc.message, status=400)
    token = edit_answer(comment).get("edit_token")
    target = url_for(
        "public.embed_page", article_id=article_id, posted=1, edit=token, lang=lang_param()
    )
    return redirect(target + "#leave-reply", code=303)


@bp.get("/embed/<article_id>/fragment")
def embed_fragment(article_id: str) -> Response:
    """Just the comments and the form, as HTML with absolute URLs.

    The script widget puts it in a shadow root; a dynamic blog or a static-site build
    can include it server-side. It carries no form token (the widget fetches one when
    it renders), so any cache may keep it; it is revalidated cheaply with its ETag, and
    an unchanged article's rendering comes from the read cache.
    """
    origin = request.headers.get("Origin")
    if not origin_allowed(origin):
        # Said to the widget, which shows it (CORS lets it read this answer, and only it).
        response = error_response(
            403,
            _(
                "These comments cannot be shown on this site: its address is not among the "
                "blogs allowed (MODERATION_ALLOWED_ORIGINS)."
            ),
            template=FRAGMENT_ERROR_TEMPLATE,
        )
        response.headers["Access-Control-Allow-Origin"] = str(origin)
        return response
    # Its URLs are absolute: without PUBLIC_URL they name the request's host, and a copy
    # made for one host must not validate for another.
    # The same article in Korean and in Arabic: two copies, two validators.
    etag = public_etag(
        article_id,
        "fragment",
        assets.load("widget.css").digest,
        assets.load("widget.js").digest,
        url_base(),
        locale_name(),
    )
    if unchanged(etag, article_id):
        return fragment_headers(not_modified(etag))

    def render() -> bytes:
        return _render_fragment(
            "embed/fragment.html", article_id, form=None, external=True
        ).encode()

    body = cached_read("fragment", etag, article_id, render)
    response = Response(body, mimetype="text/html")
    response.set_etag(etag)
    return keep_whole(fragment_headers(public_cache_headers(response)))
