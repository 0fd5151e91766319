"""The queue: comments waiting, one comment's page, actions on one or many, the log."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from flask import current_app, flash, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import login_required

from .. import comments as domain
from ..comments.actions import ACTIONS, STATUS_FOR
from ..comments.models import Comment
from ..core.database import is_id
from ..errors import status_for, wants_json
from ..extensions import db
from ..spam.checks import REASONS
from . import bp, queries
from .forms import BulkForm, CommentActionForm, EditCommentForm, ReplyForm
from .responses import (
    back,
    comment_or_404,
    done,
    invalid,
    me,
    queue_url,
    refused,
)


@bp.get("/")
@login_required
def queue_view() -> ResponseReturnValue:
    queue_filter = queries.parse_filter(request.args)
    return render_template(
        "dashboard/queue.html",
        qf=queue_filter,
        page=queries.queue(queue_filter),
        counts=queries.status_counts(queue_filter),
        articles=queries.recent_articles(),
        reasons=REASONS,
    )


@bp.get("/comments/<int:comment_id>")
@login_required
def comment_view(comment_id: int) -> ResponseReturnValue:
    comment = comment_or_404(comment_id)
    return _render_comment(comment)


def _render_comment(
    comment: Comment,
    *,
    edit_form: EditCommentForm | None = None,
    reply_form: ReplyForm | None = None,
    status: int = 200,
) -> ResponseReturnValue:
    if edit_form is None:
        edit_form = EditCommentForm(formdata=None, body=comment.body, version=comment.version)
    if reply_form is None:
        reply_form = ReplyForm(formdata=None, version=comment.version)
    html = render_template(
        "dashboard/comment.html",
        comment=comment,
        replies=queries.replies_to(comment),
        events=queries.events_for(comment),
        edit_form=edit_form,
        reply_form=reply_form,
        can_reply=domain.can_reply_to(comment, current_app.config["MAX_THREAD_DEPTH"]),
        next_pending=queries.next_pending(comment),
    )
    return html, status


@bp.post(f"/comments/<int:comment_id>/<any({', '.join(STATUS_FOR)}):action>")
@login_required
def comment_action(comment_id: int, action: str) -> ResponseReturnValue:
    comment = comment_or_404(comment_id)
    form = CommentActionForm()
    if not form.validate_on_submit():
        return invalid(form)
    target = back(form.next.data, queue_url())
    try:
        domain.set_status(comment, STATUS_FOR[action], me(), expected_version=form.version.data)
    except domain.DomainError as exc:
        return refused(exc, comment_id, target)
    db.session.commit()
    return done(ACTIONS[action].done(id=comment_id), comment, comment_id, target)


@bp.post("/comments/<int:comment_id>/delete")
@login_required
def comment_delete(comment_id: int) -> ResponseReturnValue:
    comment = comment_or_404(comment_id)
    form = CommentActionForm()
    if not form.validate_on_submit():
        return invalid(form)
    target = back(form.next.data, queue_url())
    if urlsplit(target).path == url_for(".comment_view", comment_id=comment_id):
        target = queue_url()  # that page is gone with the comment
    try:
        domain.delete_comment(comment, me(), expected_version=form.version.data)
    except domain.DomainError as exc:
        return refused(exc, comment_id, target)
    db.session.commit()
    return done(ACTIONS["delete"].done(id=comment_id), None, comment_id, target)


def _write(
    comment_id: int,
    form: EditCommentForm | ReplyForm,
    form_name: str,
    act: Callable[[Comment, str, int | None], tuple[Comment, str]],
) -> ResponseReturnValue:
    """Edit or reply: validate the text, act, commit; on a refusal show the page again
    with the moderator's text kept in its box."""
    comment = comment_or_404(comment_id)
    if not form.validate_on_submit():
        if form.version.errors or wants_json():
            return invalid(form)
        return _render_comment(comment, status=400, **{form_name: form})
    try:
        written, message = act(comment, form.body.data or "", form.version.data)
    except domain.DomainError as exc:
        db.session.rollback()
        comment = comment_or_404(comment_id)
        message = str(exc.message)
        if isinstance(exc, domain.ConflictError):
            message += " " + _("Your text is kept in the box: send it again to go ahead.")
        flash(message, "error")
        form.version.data = comment.version
        return _render_comment(comment, status=status_for(exc), **{form_name: form})
    db.session.commit()
    target = url_for(".comment_view", comment_id=comment_id)
    return done(message, written, written.id, target)


@bp.post("/comments/<int:comment_id>/edit")
@login_required
def comment_edit(comment_id: int) -> ResponseReturnValue:
    def edit(comment: Comment, body: str, version: int | None) -> tuple[Comment, str]:
        domain.edit_comment(comment, body, me(), expected_version=version)
        return comment, _("Comment #%(id)s saved.", id=comment.id)

    return _write(comment_id, EditCommentForm(), "edit_form", edit)


@bp.post("/comments/<int:comment_id>/reply")
@login_required
def comment_reply(comment_id: int) -> ResponseReturnValue:
    def reply(comment: Comment, body: str, version: int | None) -> tuple[Comment, str]:
        max_depth = current_app.config["MAX_THREAD_DEPTH"]
        written = domain.reply_from_dashboard(
            comment, me(), body, expected_version=version, max_depth=max_depth
        )
        return written, _("Your reply #%(id)s is published.", id=written.id)

    return _write(comment_id, ReplyForm(), "reply_form", reply)


@bp.post("/bulk")
@login_required
def bulk() -> ResponseReturnValue:
    form = BulkForm()
    target = back(form.next.data, queue_url())
    if not form.validate_on_submit():
        if form.selected.data == [] and not form.action.errors and not wants_json():
            flash(_("Select at least one comment, then choose what to do with them."), "error")
            return redirect(target, code=303)
        return invalid(form)
    selection = form.selection()
    found = queries.comments_by_id([comment_id for comment_id, _ in selection])
    items = [(found[i], version) for i, version in selection if i in found]
    gone = [i for i, _ in selection if i not in found]
    try:
        result = domain.moderate_many(items, form.action.data, me())
    except domain.DomainError as exc:
        return refused(exc, selection[0][0], target)
    db.session.commit()
    skipped = sorted(result.conflicts + gone)
    done = ""
    if result.done:
        done = str(ACTIONS[form.action.data].done_many(num=len(result.done)))
    left = ""
    if skipped:
        left = _(
            "Left alone, because someone else changed or deleted them in the meantime: "
            "%(ids)s. They are shown as they are now.",
            ids=", ".join(f"#{i}" for i in skipped),
        )
    if wants_json():
        body = jsonify(
            done=result.done, skipped=skipped, message=" ".join(filter(None, [done, left]))
        )
        return body, 409 if skipped else 200
    if done:
        flash(done, "success")
    if left:
        flash(left, "error")
    return redirect(target, code=303)


# --- the log ----------------------------------------------------------------------


@bp.get("/log")
@login_required
def log_view() -> ResponseReturnValue:
    page = queries.parse_page(request.args.get("page"))
    article_id = request.args.get("article") or None
    if article_id is not None and not domain.is_valid_article_id(article_id):
        article_id = None
    moderator_arg = request.args.get("moderator") or ""
    moderator_id = int(moderator_arg) if is_id(moderator_arg) else None
    events = queries.audit_log(page, article_id=article_id, moderator_id=moderator_id)
    return render_template(
        "dashboard/log.html",
        page=events,
        article_id=article_id,
        moderator_id=moderator_id,
        moderators=queries.moderators(),
    )
