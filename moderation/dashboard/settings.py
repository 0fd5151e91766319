"""The owner's settings: spam rules, the checks' settings, the moderators; and each
moderator's own account (how their site replies are signed)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import login_required

from ..accounts.models import Moderator, Role
from ..comments import settings as owner
from ..core.database import is_id
from ..core.exceptions import DomainError
from ..extensions import db
from ..spam import learning, rules
from ..spam.models import ReturningAuthors, RuleAction, RuleKind, SpamRule
from . import bp, queries
from .forms import (
    ROLE_NAMES,
    AcceptInvitationForm,
    ActionForm,
    DisplayNameForm,
    InviteForm,
    RoleForm,
    RuleForm,
    SettingsForm,
)
from .responses import me


def owner_required(view: Callable[..., ResponseReturnValue]) -> Callable[..., Any]:
    """Logged in, and an owner: anyone else gets a 403 page."""

    @wraps(view)
    @login_required
    def wrapped(*args: Any, **kwargs: Any) -> ResponseReturnValue:
        if not me().is_owner:
            abort(403, _("Only an owner can see and change the settings and the data."))
        # The settings as first made: MODERATION_BLOCKLIST's words become hold rules.
        rules.settings_row(current_app.config["BLOCKLIST"])
        return view(*args, **kwargs)

    return wrapped


def _settings_form(formdata: Any = None) -> SettingsForm:
    row = rules.settings_row()
    if formdata is not None:
        return SettingsForm()
    return SettingsForm(
        formdata=None,
        max_links=row.max_links,
        spam_threshold=row.spam_threshold,
        hold_threshold=row.hold_threshold,
        returning_authors=row.returning_authors.value,
    )


def _render_settings(
    rule_form: RuleForm | None = None, settings_form: SettingsForm | None = None, status: int = 200
) -> ResponseReturnValue:
    spam, ham, _, _ = learning.DatabaseCounts().sizes()
    html = render_template(
        "dashboard/settings.html",
        rule_form=rule_form or RuleForm(formdata=None),
        settings_form=settings_form or _settings_form(),
        rules=rules.list_rules(),
        describe=owner.rule_text,
        action_labels=owner.ACTION_LABELS,
        filter_totals={
            "spam": spam,
            "ham": ham,
            "needed": learning.MIN_DECISIONS,
            "full": learning.FULL_CONFIDENCE,
        },
    )
    return html, status


@bp.get("/settings")
@owner_required
def settings_view() -> ResponseReturnValue:
    return _render_settings()


@bp.post("/settings/rules")
@owner_required
def rule_add() -> ResponseReturnValue:
    form = RuleForm()
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400, _("This form is out of date; reload the page."))
        return _render_settings(rule_form=form, status=400)
    try:
        rule = owner.add_rule(
            me(),
            RuleAction(form.action.data),
            RuleKind(form.kind.data),
            form.pattern.data or "",
            form.look_in.data or [],
        )
    except DomainError as exc:
        db.session.rollback()
        target = getattr(
            form, {"fields": "look_in"}.get(exc.field or "", exc.field or "pattern"), form.pattern
        )
        target.errors = [*target.errors, exc.message]
        return _render_settings(rule_form=form, status=400)
    db.session.commit()
    flash(
        _(
            "Rule #%(id)s added: %(action)s %(rule)s.",
            id=rule.id,
            action=owner.ACTION_LABELS[rule.action],
            rule=owner.rule_text(rule),
        ),
        "success",
    )
    return redirect(url_for(".settings_view"), code=303)


@bp.post("/settings/rules/<int:rule_id>/delete")
@owner_required
def rule_delete(rule_id: int) -> ResponseReturnValue:
    if not ActionForm().validate_on_submit():
        abort(400, _("This form is out of date; reload the page."))
    rule = db.session.get(SpamRule, rule_id) if is_id(rule_id) else None
    if rule is None:
        abort(404, _("There is no rule #%(id)s.", id=rule_id))
    owner.remove_rule(me(), rule)
    db.session.commit()
    flash(_("Rule #%(id)s removed.", id=rule_id), "success")
    return redirect(url_for(".settings_view"), code=303)


@bp.post("/settings/checks")
@owner_required
def settings_save() -> ResponseReturnValue:
    form = _settings_form(request.form)
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400, _("This form is out of date; reload the page."))
        return _render_settings(settings_form=form, status=400)
    try:
        changes = owner.save_settings(
            me(),
            rules.SettingsChange(
                max_links=int(form.max_links.data or 0),
                spam_threshold=float(form.spam_threshold.data or 0),
                hold_threshold=float(form.hold_threshold.data or 0),
                returning_authors=ReturningAuthors(form.returning_authors.data),
            ),
        )
    except DomainError as exc:
        db.session.rollback()
        target = getattr(form, exc.field or "max_links", form.max_links)
        target.errors = [*target.errors, exc.message]
        return _render_settings(settings_form=form, status=400)
    db.session.commit()
    flash(_("Settings saved.") if changes else _("Nothing changed."), "success")
    return redirect(url_for(".settings_view"), code=303)


# --- moderators -------------------------------------------------------------------------


def _moderator_or_404(moderator_id: int) -> Moderator:
    found = db.session.get(Moderator, moderator_id) if is_id(moderator_id) else None
    if found is None:
        abort(404, _("There is no moderator #%(id)s.", id=moderator_id))
    return found


def _render_moderators(form: InviteForm | None = None, status: int = 200) -> ResponseReturnValue:
    html = render_template(
        "dashboard/moderators.html",
        moderators=queries.moderators(),
        roles=ROLE_NAMES,
        invite_form=form or InviteForm(formdata=None),
    )
    return html, status


@bp.get("/settings/moderators")
@owner_required
def moderators_view() -> ResponseReturnValue:
    return _render_moderators()


@bp.post("/settings/moderators/invite")
@owner_required
def moderator_invite() -> ResponseReturnValue:
    form = InviteForm()
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400, _("This form is out of date; reload the page."))
        return _render_moderators(form, 400)
    try:
        address = owner.invite(
            me(),
            form.email.data or "",
            Role(form.role.data),
            secret_key=current_app.config["SECRET_KEY"],
        )
    except DomainError as exc:
        db.session.rollback()
        form.email.errors = [*form.email.errors, exc.message]
        return _render_moderators(form, 400)
    db.session.commit()
    flash(_("An invitation is on its way to %(email)s.", email=address), "success")
    return redirect(url_for(".moderators_view"), code=303)


@bp.route("/invitation/<token>", methods=["GET", "POST"])
def invitation_view(token: str) -> ResponseReturnValue:
    """The invitee chooses a password; no login needed, the signed link is the proof."""
    secret = current_app.config["SECRET_KEY"]
    try:
        invitation = owner.read_invitation(token, secret_key=secret)
    except DomainError as exc:
        return render_template("dashboard/invitation.html", error=exc.message), 400
    form = AcceptInvitationForm()
    status = 200
    if form.validate_on_submit():
        try:
            owner.accept_invitation(token, form.password.data or "", secret_key=secret)
        except DomainError as exc:
            db.session.rollback()
            form.password.errors = [*form.password.errors, exc.message]
            status = 400
        else:
            db.session.commit()
            flash(_("Your account is ready: log in with your address and new password."), "success")
            return redirect(url_for(".login"), code=303)
    elif request.method == "POST":
        status = 400
    html = render_template("dashboard/invitation.html", form=form, invitation=invitation, error="")
    return html, status


@bp.post("/settings/moderators/<int:moderator_id>/role")
@owner_required
def moderator_role(moderator_id: int) -> ResponseReturnValue:
    moderator = _moderator_or_404(moderator_id)
    form = RoleForm()
    if not form.validate_on_submit():
        abort(400, _("Choose a role."))
    try:
        owner.change_role(me(), moderator, Role(form.role.data))
    except DomainError as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
        return redirect(url_for(".moderators_view"), code=303)
    db.session.commit()
    now = (
        _("%(email)s is now an owner.", email=moderator.email)
        if moderator.is_owner
        else _("%(email)s is now a moderator.", email=moderator.email)
    )
    flash(now, "success")
    return redirect(url_for(".moderators_view"), code=303)


@bp.post("/settings/moderators/<int:moderator_id>/<any(disable, enable):action>")
@owner_required
def moderator_active(moderator_id: int, action: str) -> ResponseReturnValue:
    moderator = _moderator_or_404(moderator_id)
    if not ActionForm().validate_on_submit():
        abort(400, _("This form is out of date; reload the page."))
    try:
        owner.set_active(me(), moderator, action == "enable")
    except DomainError as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
        return redirect(url_for(".moderators_view"), code=303)
    db.session.commit()
    state = (
        _("%(email)s is active again.", email=moderator.email)
        if moderator.active
        else _("%(email)s is disabled.", email=moderator.email)
    )
    flash(state, "success")
    return redirect(url_for(".moderators_view"), code=303)


# --- one's own account ------------------------------------------------------------------


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account_view() -> ResponseReturnValue:
    form = DisplayNameForm(display_name=me().display_name)
    status = 200
    if form.validate_on_submit():
        try:
            owner.set_display_name(me(), form.display_name.data or "")
        except DomainError as exc:
            db.session.rollback()
            form.display_name.errors = [*form.display_name.errors, exc.message]
            status = 400
        else:
            db.session.commit()
            flash(_("Your site replies will be signed that way."), "success")
            return redirect(url_for(".account_view"), code=303)
    elif request.method == "POST":
        if form.csrf_token.errors:
            abort(400, _("This form is out of date; reload the page."))
        status = 400
    return render_template("dashboard/account.html", form=form), status
