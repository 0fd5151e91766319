"""Notifications in the dashboard: the one-click links from moderators' mails, the
outbox (waiting, sent, failed; send again) and each moderator's choice of mails."""

from __future__ import annotations

import logging

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import login_required

from .. import comments as domain
from ..comments.actions import ACTIONS
from ..comments.models import Comment
from ..errors import status_for
from ..extensions import csrf, db
from ..notify import outbox, preferences
from ..notify.links import LinkError
from ..notify.models import Frequency, State
from ..security import link_page_headers
from . import bp
from .forms import FREQUENCIES, ActionForm, NotificationsForm
from .responses import me

log = logging.getLogger(__name__)

# --- one-click links ---------------------------------------------------------------------


def _link_page(status: int = 200, comment: Comment | None = None, **values: object) -> Response:
    values.setdefault("problem", status >= 400)
    html = render_template("notify/action.html", comment=comment, **values)
    return link_page_headers(Response(html, status=status))


def _refusal(exc: LinkError | domain.DomainError) -> Response:
    """A link that cannot act: expired or used (410), forged (400), changed meanwhile
    (409), its moderator disabled (403), its comment deleted (404)."""
    log.info("Refused an email link: %s", exc.message)
    if isinstance(exc, LinkError):
        status = 410 if exc.expired else 400
    elif isinstance(exc, domain.LinkUsed):
        status = 410
    else:
        status = status_for(exc)
    message = str(exc.message)
    if status == 410 or status == 409:
        message += "\n\n" + _("Open the comment in the dashboard to see it as it is now.")
    links = [(url_for("dashboard.queue_view"), _("Open the dashboard"))]
    return _link_page(status, title=_("This link cannot act"), message=message, links=links)


def _labels(action: str, comment_id: int = 0) -> tuple[str, str]:
    """The button's label, and what was done ("Comment #12 approved.")."""
    return str(ACTIONS[action].label), str(ACTIONS[action].done(id=comment_id))


@bp.get("/email/<token>")
def email_action(token: str) -> ResponseReturnValue:
    """What the link would do, with one button; nothing changes on a GET."""
    try:
        action = domain.read_email_action(token)
    except (LinkError, domain.DomainError) as exc:
        return _refusal(exc)
    label, _done = _labels(action.link.action)
    comment = action.comment
    return _link_page(
        comment=comment,
        title=_("%(action)s: comment #%(id)s?", action=label, id=comment.id),
        message=_(
            "You are about to act as %(email)s. The log will say it was done by email link.",
            email=action.moderator.email,
        ),
        button=_("%(action)s comment #%(id)s", action=label, id=comment.id),
        links=[
            (url_for("dashboard.comment_view", comment_id=comment.id), _("Open in the dashboard"))
        ],
    )


@bp.post("/email/<token>")
@csrf.exempt
def email_action_post(token: str) -> ResponseReturnValue:
    """The page's button: acts without a login, bound by the signed link."""
    try:
        action = domain.act_by_email_link(token)
    except (LinkError, domain.DomainError) as exc:
        db.session.rollback()
        return _refusal(exc)
    db.session.commit()
    comment = action.comment
    _label, done = _labels(action.link.action, comment.id)
    return _link_page(
        comment=comment,
        title=done.rstrip(".。"),
        message=_("Done. The log records it as done by you, by email link."),
        links=[
            (url_for("dashboard.comment_view", comment_id=comment.id), _("Open in the dashboard")),
            (url_for("dashboard.queue_view"), _("The queue")),
        ],
    )


# --- the outbox ----------------------------------------------------------------------------

# The page's tabs, each the states it shows.
OUTBOX_TABS = {
    "waiting": (State.WAITING, State.SENDING, State.HELD),
    "failed": (State.FAILED,),
    "sent": (State.SENT, State.DROPPED),
}
PAGE_SIZE = 50


@bp.get("/outbox")
@login_required
def outbox_view() -> ResponseReturnValue:
    tab = request.args.get("show", "waiting")
    if tab not in OUTBOX_TABS:
        abort(404, _("Show waiting, failed or sent messages."))
    counts = outbox.state_counts()
    tab_counts = {name: sum(counts[s] for s in states) for name, states in OUTBOX_TABS.items()}
    items = outbox.messages(OUTBOX_TABS[tab], limit=PAGE_SIZE)
    return render_template(
        "dashboard/outbox.html",
        tab=tab,
        tab_counts=tab_counts,
        items=items,
        subjects={m.id: outbox.describe(m) for m in items},
        State=State,
        form=ActionForm(),
    )


@bp.post("/outbox/<int:message_id>/send-again")
@login_required
def outbox_send_again(message_id: int) -> ResponseReturnValue:
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400, _("The form could not be read; reload the page."))
    message = outbox.send_again(message_id)
    if message is None:
        db.session.rollback()
        flash(_("Message #%(id)s is not failed: nothing to send again.", id=message_id), "error")
    else:
        db.session.commit()
        log.info("Outbox #%d put back in line by moderator #%d", message_id, me().id)
        flash(_("Message #%(id)s will be sent again in a moment.", id=message_id), "success")
    return redirect(url_for(".outbox_view", show="failed"), code=303)


# --- my notifications ------------------------------------------------------------------------


@bp.route("/notifications", methods=["GET", "POST"])
@login_required
def notifications_view() -> ResponseReturnValue:
    moderator = me()
    choice = preferences.preference_of(moderator.id)
    form = NotificationsForm(frequency=choice.frequency.value, digest_minutes=choice.digest_minutes)
    if form.validate_on_submit():
        try:
            preferences.set_preference(
                moderator.id, Frequency(form.frequency.data), form.digest_minutes.data
            )
        except domain.DomainError as exc:
            db.session.rollback()
            flash(str(exc.message), "error")
            return redirect(url_for(".notifications_view"), code=303)
        db.session.commit()
        flash(_("Your notifications are saved."), "success")
        return redirect(url_for(".notifications_view"), code=303)
    status = 400 if form.errors else 200
    return (
        render_template(
            "dashboard/notifications.html", form=form, choice=choice, frequencies=FREQUENCIES
        ),
        status,
    )
