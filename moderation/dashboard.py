"""The moderators' dashboard: log in, work through the queue, keep the articles.

Thin views: parse the request, call the domain (``comments``, ``moderators``) or the
queries (``queue``), commit, flash, redirect. Every action is a POST with the session
CSRF token; pages answer HTML, scripts (``Accept: application/json``) get JSON.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.exceptions import HTTPException

from . import comments as domain
from . import moderators, queue
from .auth import authenticate, is_local_url
from .errors import http_error_response, wants_json
from .extensions import db, limiter
from .forms import (
    BULK_ACTIONS,
    ActionForm,
    ArticleForm,
    BulkForm,
    CommentActionForm,
    EditCommentForm,
    LoginForm,
    ReplyForm,
)
from .models import Article, Comment, Moderator, Status, is_id, utcnow
from .text import safe_link

bp = Blueprint("dashboard", __name__, url_prefix="/moderation")

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
DONE = {
    "approve": "approved",
    "reject": "rejected",
    "spam": "marked as spam",
    "restore": "back in the queue",
    "delete": "deleted for good",
}
LOGIN_FAILED = "The email or the password is wrong, or this account is disabled."


@bp.after_request
def security_headers(response: Response) -> Response:
    """The dashboard is never framed, runs only its own scripts, and is never cached."""
    response.headers.update(SECURITY_HEADERS)
    response.headers.setdefault("Cache-Control", "no-store")
    return response


@bp.errorhandler(HTTPException)
def page_error(error: HTTPException) -> ResponseReturnValue:
    """Errors inside the dashboard get its own page (the nav stays, the CSP holds)."""
    return http_error_response(error, template="dashboard/error.html")


@bp.app_template_filter("href")
def href(url: str | None) -> str:
    """An address safe to link to: http(s) or a local path; anything else is ''."""
    return safe_link(url)


@bp.app_template_filter("since")
def since(moment: datetime) -> str:
    """How long ago, in words (5 minutes ago, 3 hours ago), then the date after a week."""
    seconds = (utcnow() - moment).total_seconds()
    if seconds < 60:
        return "just now"
    for unit, size in (("minute", 60), ("hour", 3600), ("day", 86400)):
        count = int(seconds // size)
        if unit != "day" and count >= (60 if unit == "minute" else 24):
            continue
        if unit == "day" and count >= 7:
            break
        return f"{count} {unit}{'s' if count != 1 else ''} ago"
    return moment.strftime("%-d %b %Y")


@bp.context_processor
def dashboard_globals() -> dict[str, Any]:
    waiting = queue.pending_count() if current_user.is_authenticated else 0
    return {"Status": Status, "bulk_actions": BULK_ACTIONS, "pending_total": waiting}


# --- helpers ----------------------------------------------------------------------


def me() -> Moderator:
    return cast(Moderator, current_user._get_current_object())  # type: ignore[attr-defined]


def _back(target: str | None, default: str) -> str:
    return target if target and is_local_url(target) else default


def _queue_url() -> str:
    return url_for(".queue_view")


def _comment_state(comment: Comment | None, comment_id: int) -> dict[str, Any]:
    if comment is None:
        return {"id": comment_id, "deleted": True}
    return {"id": comment.id, "status": comment.status.value, "version": comment.version}


def _done(message: str, comment: Comment | None, comment_id: int, target: str) -> Any:
    """After a change was committed: JSON for scripts, flash and redirect for pages."""
    if wants_json():
        counts = queue.status_counts()
        return jsonify(
            message=message,
            comment=_comment_state(comment, comment_id),
            counts={status.value: n for status, n in counts.items()},
        )
    flash(message, "success")
    return redirect(target, code=303)


def _refused(exc: domain.DomainError, comment_id: int, target: str) -> Any:
    """A conflict or a refusal: nothing changed; say so, with the comment as it is now."""
    db.session.rollback()
    if wants_json():
        comment = db.session.get(Comment, comment_id)
        response = jsonify(
            error=exc.message, status=exc.status_code, comment=_comment_state(comment, comment_id)
        )
        response.status_code = exc.status_code
        return response
    flash(exc.message, "error")
    return redirect(target, code=303)


def _invalid(form: Any) -> Any:
    """A form that cannot be read (missing version, bad selection): a 400."""
    messages = [m for field_errors in form.errors.values() for m in field_errors]
    abort(400, " ".join(str(m) for m in messages) or "The form could not be read.")


def _comment_or_404(comment_id: int) -> Comment:
    if not is_id(comment_id):
        abort(404, f"There is no comment #{comment_id}.")
    return db.get_or_404(Comment, comment_id, description=f"There is no comment #{comment_id}.")


def _article_or_404(article_id: str) -> Article:
    article = domain.get_article(article_id)
    if article is None:
        abort(404, "There is no such article.")
    return article


# --- logging in and out -----------------------------------------------------------


def _login_rate_limit() -> str:
    return str(current_app.config["LOGIN_RATE_LIMIT"])


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(
    _login_rate_limit,
    methods=["POST"],
    scope="dashboard-login",
    deduct_when=lambda response: response.status_code != 303,
)
def login() -> ResponseReturnValue:
    form = LoginForm()
    target = _back(form.next.data or request.args.get("next"), _queue_url())
    if current_user.is_authenticated and request.method == "GET":
        return redirect(target)
    error, status = "", 200
    if form.validate_on_submit():
        moderator = authenticate(form.email.data or "", form.password.data or "")
        if moderator is not None:
            login_user(moderator)
            moderators.record_login(moderator)
            db.session.commit()
            return redirect(target, code=303)
        error, status = LOGIN_FAILED, 401
    elif request.method == "POST":
        error, status = "Enter your email address and your password.", 400
    form.next.data = target if target != _queue_url() else ""
    form.password.data = ""
    return render_template("dashboard/login.html", form=form, error=error), status


@bp.post("/logout")
@login_required
def logout() -> ResponseReturnValue:
    if not ActionForm().validate_on_submit():
        abort(400)
    # A copy of the session cookie must not outlive the logout.
    moderators.end_sessions(me())
    db.session.commit()
    logout_user()
    flash("You are logged out.", "success")
    return redirect(url_for(".login"), code=303)


# --- the queue --------------------------------------------------------------------


@bp.get("/")
@login_required
def queue_view() -> ResponseReturnValue:
    queue_filter = queue.parse_filter(request.args)
    return render_template(
        "dashboard/queue.html",
        qf=queue_filter,
        page=queue.queue(queue_filter),
        counts=queue.status_counts(queue_filter),
        articles=queue.article_choices(),
    )


@bp.get("/comments/<int:comment_id>")
@login_required
def comment_view(comment_id: int) -> ResponseReturnValue:
    comment = _comment_or_404(comment_id)
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
        replies=queue.replies_to(comment),
        events=queue.events_for(comment),
        edit_form=edit_form,
        reply_form=reply_form,
        can_reply=domain.thread_depth(comment) < int(current_app.config["MAX_THREAD_DEPTH"]),
    )
    return html, status


@bp.post("/comments/<int:comment_id>/<any(approve, reject, spam, restore):action>")
@login_required
def comment_action(comment_id: int, action: str) -> ResponseReturnValue:
    comment = _comment_or_404(comment_id)
    form = CommentActionForm()
    if not form.validate_on_submit():
        return _invalid(form)
    target = _back(form.next.data, _queue_url())
    try:
        domain.set_status(comment, domain.ACTIONS[action], me(), expected_version=form.version.data)
    except domain.DomainError as exc:
        return _refused(exc, comment_id, target)
    db.session.commit()
    return _done(f"Comment #{comment_id} {DONE[action]}.", comment, comment_id, target)


@bp.post("/comments/<int:comment_id>/delete")
@login_required
def comment_delete(comment_id: int) -> ResponseReturnValue:
    comment = _comment_or_404(comment_id)
    form = CommentActionForm()
    if not form.validate_on_submit():
        return _invalid(form)
    target = _back(form.next.data, _queue_url())
    if urlsplit(target).path == url_for(".comment_view", comment_id=comment_id):
        target = _queue_url()  # that page is gone with the comment
    try:
        domain.delete_comment(comment, me(), expected_version=form.version.data)
    except domain.DomainError as exc:
        return _refused(exc, comment_id, target)
    db.session.commit()
    return _done(f"Comment #{comment_id} {DONE['delete']}.", None, comment_id, target)


@bp.post("/comments/<int:comment_id>/edit")
@login_required
def comment_edit(comment_id: int) -> ResponseReturnValue:
    comment = _comment_or_404(comment_id)
    form = EditCommentForm()
    if not form.validate_on_submit():
        if form.version.errors or wants_json():
            return _invalid(form)
        return _render_comment(comment, edit_form=form, status=400)
    try:
        domain.edit_comment(comment, form.body.data or "", me(), expected_version=form.version.data)
    except domain.ConflictError as exc:
        db.session.rollback()
        comment = _comment_or_404(comment_id)
        flash(exc.message + " Your text is kept in the box: save again to replace it.", "error")
        form.version.data = comment.version
        return _render_comment(comment, edit_form=form, status=409)
    db.session.commit()
    target = url_for(".comment_view", comment_id=comment_id)
    return _done(f"Comment #{comment_id} saved.", comment, comment_id, target)


@bp.post("/comments/<int:comment_id>/reply")
@login_required
def comment_reply(comment_id: int) -> ResponseReturnValue:
    comment = _comment_or_404(comment_id)
    form = ReplyForm()
    if not form.validate_on_submit():
        if form.version.errors or wants_json():
            return _invalid(form)
        return _render_comment(comment, reply_form=form, status=400)
    try:
        reply = domain.reply_from_dashboard(
            comment,
            me(),
            form.body.data or "",
            expected_version=form.version.data,
            max_depth=int(current_app.config["MAX_THREAD_DEPTH"]),
        )
    except domain.DomainError as exc:
        db.session.rollback()
        comment = _comment_or_404(comment_id)
        flash(exc.message, "error")
        form.version.data = comment.version
        return _render_comment(comment, reply_form=form, status=exc.status_code)
    db.session.commit()
    target = url_for(".comment_view", comment_id=comment_id)
    return _done(f"Your reply #{reply.id} is published.", reply, reply.id, target)


@bp.post("/bulk")
@login_required
def bulk() -> ResponseReturnValue:
    form = BulkForm()
    target = _back(form.next.data, _queue_url())
    if not form.validate_on_submit():
        if form.selected.data == [] and not form.action.errors and not wants_json():
            flash("Select at least one comment, then choose what to do with them.", "error")
            return redirect(target, code=303)
        return _invalid(form)
    selection = form.selection()
    found = queue.comments_by_id([comment_id for comment_id, _ in selection])
    items = [(found[i], version) for i, version in selection if i in found]
    gone = [i for i, _ in selection if i not in found]
    try:
        result = domain.moderate_many(items, form.action.data, me())
    except domain.DomainError as exc:
        return _refused(exc, selection[0][0], target)
    db.session.commit()
    skipped = sorted(result.conflicts + gone)
    done = ""
    if result.done:
        noun = "comment" if len(result.done) == 1 else "comments"
        done = f"{len(result.done)} {noun} {DONE[form.action.data]}."
    left = ""
    if skipped:
        left = (
            "Left alone, because someone else changed or deleted them in the meantime: "
            f"{', '.join(f'#{i}' for i in skipped)}. They are shown as they are now."
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
    page = queue.parse_page(request.args.get("page"))
    article_id = request.args.get("article") or None
    if article_id is not None and not domain.is_valid_article_id(article_id):
        article_id = None
    events = queue.audit_log(page, article_id=article_id)
    return render_template("dashboard/log.html", page=events, article_id=article_id)


# --- articles ---------------------------------------------------------------------


@bp.get("/articles")
@login_required
def articles_view() -> ResponseReturnValue:
    return render_template("dashboard/articles.html", rows=queue.articles_with_counts())


@bp.route("/articles/<article_id>", methods=["GET", "POST"])
@login_required
def article_view(article_id: str) -> ResponseReturnValue:
    article = _article_or_404(article_id)
    form = ArticleForm(obj=article)
    if form.validate_on_submit():
        domain.edit_article(
            article, title=form.title.data or "", url=form.url.data or "", moderator=me()
        )
        db.session.commit()
        flash(f"Article {article.id} saved.", "success")
        return redirect(url_for(".article_view", article_id=article.id), code=303)
    status = 400 if form.errors else 200
    html = render_template(
        "dashboard/article.html",
        article=article,
        form=form,
        counts=queue.status_counts(queue.QueueFilter(article_id=article.id)),
        events=queue.audit_log(1, 20, article_id=article.id).items,
    )
    return html, status


@bp.post("/articles/<article_id>/<any(close, reopen):action>")
@login_required
def article_close(article_id: str, action: str) -> ResponseReturnValue:
    article = _article_or_404(article_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    domain.close_article(article, action == "close", me())
    db.session.commit()
    state = "closed" if article.closed else "open again"
    flash(f"Comments on {article.id} are {state}.", "success")
    target = _back(request.form.get("next"), url_for(".article_view", article_id=article.id))
    return redirect(target, code=303)
