"""Logging in and out of the dashboard."""

from __future__ import annotations

import logging

from flask import abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_required, login_user, logout_user

from ..accounts import moderators
from ..accounts.moderators import authenticate
from ..errors import wants_json
from ..extensions import db, limiter, login_manager
from . import bp
from .forms import ActionForm, LoginForm
from .responses import back, me, queue_url

log = logging.getLogger(__name__)

LOGIN_FAILED = "The email or the password is wrong, or this account is disabled."


def _login_rate_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(
    _login_rate_limit,
    methods=["POST"],
    scope="dashboard-login",
    deduct_when=lambda response: response.status_code != 303,
)
def login() -> ResponseReturnValue:
    form = LoginForm()
    target = back(form.next.data or request.args.get("next"), queue_url())
    if current_user.is_authenticated and request.method == "GET":
        return redirect(target)
    error, status = "", 200
    if form.validate_on_submit():
        moderator = authenticate(form.email.data or "", form.password.data or "")
        if moderator is not None:
            login_user(moderator)
            moderators.record_login(moderator)
            db.session.commit()
            log.info("Moderator #%d logged in", moderator.id)
            return redirect(target, code=303)
        # Never the address typed: it may be a password typed in the wrong box.
        log.warning("Failed dashboard login: unknown address, wrong password or disabled")
        error, status = LOGIN_FAILED, 401
    elif request.method == "POST":
        error, status = "Enter your email address and your password.", 400
    form.next.data = target if target != queue_url() else ""
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


@login_manager.unauthorized_handler
def unauthorized() -> ResponseReturnValue:
    """Pages go to the login form (and come back after); scripts get a 401."""
    if wants_json():
        response = jsonify(error="Please log in first.", status=401)
        response.status_code = 401
        return response
    target = request.full_path if request.query_string else request.path
    return redirect(url_for("dashboard.login", next=target))
