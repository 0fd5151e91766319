"""The reader's own comment, changed or deleted within the edit window: in the JSON API
(the widget keeps the edit token in the reader's browser) and on a page for readers
without JavaScript (the link in the "awaiting moderation" notice carries the token)."""

from __future__ import annotations

import logging

from flask import Response, current_app, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from markupsafe import Markup

from .. import comments as domain
from ..comments.models import Comment
from ..comments.own import DELETED, NOT_YOURS
from ..core.i18n import english
from ..decoding import body_fields
from ..errors import error_response, status_for
from ..extensions import db
from ..i18n import lang_param
from ..security import embed_page_csp
from . import bp
from .cors import origin_allowed
from .forms import EditForm
from .posting import CORRECT_FIELDS
from .reading import article_view, pending_html

log = logging.getLogger(__name__)

# The query parameter that carries an edit token in the no-JS page's links (the access
# log leaves out the query string of any address that has it: see gunicorn.conf.py).
EDIT_PARAM = "edit"
__all__ = ["DELETED", "EDIT_PARAM", "edit_answer"]


def edit_window() -> float:
    return float(current_app.config["EDIT_WINDOW_MINUTES"]) * 60


def edit_answer(comment: Comment) -> dict[str, str]:
    """What a new comment's author gets to change it later: the token and its end."""
    window = edit_window()
    if window <= 0:
        return {}
    until = domain.edit_deadline(comment, window).isoformat().replace("+00:00", "Z")
    return {
        "edit_token": domain.issue_edit_token(current_app.config["SECRET_KEY"], comment),
        "edit_until": until,
    }


def own_comment(article_id: str, token: str) -> Comment:
    """The comment the token lets the reader change, or a refusal (DomainError)."""
    return domain.comment_for_token(
        current_app.config["SECRET_KEY"], token, article_id, edit_window()
    )


def _refused(exc: domain.DomainError) -> Response:
    log.info("Refused a reader's change: %s", english(exc.message))
    return error_response(status_for(exc), exc.message)


def _from_allowed_origin() -> Response | None:
    if origin_allowed(request.headers.get("Origin")):
        return None
    return error_response(403, _("Comments cannot be changed from this site."))


# --- the JSON API -------------------------------------------------------------------


@bp.route("/api/articles/<article_id>/comments/<int:comment_id>", methods=["PATCH"])
def api_edit_comment(article_id: str, comment_id: int) -> ResponseReturnValue:
    refused = _from_allowed_origin()
    if refused:
        return refused
    fields = body_fields(("body", "edit_token"))
    form = EditForm(formdata=fields)
    try:
        comment = own_comment(article_id, form.edit_token.data or "")
        if comment.id != comment_id:
            raise domain.EditRefused(NOT_YOURS)
        if not form.validate():
            return error_response(400, CORRECT_FIELDS, errors=form.errors_by_field())
        message = domain.reader_edit(comment, form.body.data)
    except domain.DomainError as exc:
        db.session.rollback()
        return _refused(exc)
    db.session.commit()
    log.info("Comment #%d on %s changed by its author", comment.id, article_id)
    rendered = pending_html(comment)
    return jsonify(
        id=comment.id,
        status=comment.status.value,
        message=message,
        comment=domain.public_comment(comment),
        comment_html=rendered,
    )


@bp.route("/api/articles/<article_id>/comments/<int:comment_id>", methods=["DELETE"])
def api_delete_comment(article_id: str, comment_id: int) -> ResponseReturnValue:
    refused = _from_allowed_origin()
    if refused:
        return refused
    fields = body_fields(("edit_token",))
    try:
        comment = own_comment(article_id, fields.get("edit_token", ""))
        if comment.id != comment_id:
            raise domain.EditRefused(NOT_YOURS)
        message = domain.reader_delete(comment)
    except domain.DomainError as exc:
        db.session.rollback()
        return _refused(exc)
    db.session.commit()
    log.info("Comment #%d on %s deleted by its author", comment_id, article_id)
    return jsonify(id=comment_id, deleted=True, message=message)


# --- the page for readers without JavaScript ------------------------------------------


def _mine_page(article_id: str, comment: Comment, form: EditForm, notice: object = "") -> Response:
    html = render_template(
        "embed/mine.html",
        article=article_view(article_id),
        comment=comment,
        comment_html=Markup(pending_html(comment)),
        form=form,
        notice=notice,
        until=domain.edit_deadline(comment, edit_window()),
    )
    response = Response(html, status=400 if form.errors else 200, mimetype="text/html")
    response.headers["Content-Security-Policy"] = embed_page_csp()
    response.headers["Cache-Control"] = "no-store"
    # The address carries the edit token: never hand it on to another page.
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.get("/embed/<article_id>/mine")
def embed_mine(article_id: str) -> Response:
    token = request.args.get(EDIT_PARAM, "")
    try:
        comment = own_comment(article_id, token)
    except domain.DomainError as exc:
        return _refused(exc)
    form = EditForm(formdata=None, data={"body": comment.body, "edit_token": token})
    return _mine_page(article_id, comment, form)


@bp.post("/embed/<article_id>/mine")
def embed_mine_post(article_id: str) -> ResponseReturnValue:
    fields = body_fields(("body", "edit_token", "action"))
    form = EditForm(formdata=fields)
    try:
        comment = own_comment(article_id, form.edit_token.data or "")
        if fields.get("action") == "delete":
            domain.reader_delete(comment)
            db.session.commit()
            log.info("Comment on %s deleted by its author", article_id)
            target = url_for(
                "public.embed_page", article_id=article_id, deleted=1, lang=lang_param()
            )
            return redirect(target + "#leave-reply", code=303)
        if not form.validate():
            return _mine_page(article_id, comment, form)
        message = domain.reader_edit(comment, form.body.data)
    except domain.DomainError as exc:
        db.session.rollback()
        return _refused(exc)
    db.session.commit()
    log.info("Comment #%d on %s changed by its author", comment.id, article_id)
    return _mine_page(article_id, comment, form, notice=message)
