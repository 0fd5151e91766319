"""Logging in and out of the dashboard."""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets

from flask import (
    abort,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import refresh
from flask_login import current_user, login_required, login_user, logout_user
from itsdangerous import BadData, URLSafeTimedSerializer
from werkzeug.wrappers import Response

from ..accounts import moderators
from ..accounts.moderators import authenticate
from ..core.exceptions import DomainError
from ..core.text import normalize_email
from ..errors import wants_json
from ..extensions import db, limiter, login_manager
from . import bp
from .forms import ActionForm, LanguageForm, LoginForm
from .responses import back, me, queue_url

log = logging.getLogger(__name__)

LOGIN_FAILED = _l("The email or the password is wrong, or this account is disabled.")


# A browser a moderator logged in from gets this cookie, naming the account and the
# browser: while strangers hammer that account, its attempts have their own count.
DEVICE_COOKIE = "moderation_login_device"
DEVICE_SALT = "moderation.login-device"
DEVICE_MAX_AGE = 180 * 24 * 60 * 60


def _login_rate_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _login_account_rate_limit() -> str:
    return str(current_app.config["LOGIN_ACCOUNT_RATE_LIMIT"])


def _device_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=DEVICE_SALT)


def account_key(email: str) -> str:
    """The account as the limiter knows it: a keyed hash of the email typed, normalised,
    never the address itself (existing or not, every email typed is counted alike)."""
    secret = str(current_app.config["SECRET_KEY"]).encode()
    digest = hmac.new(secret, normalize_email(email).encode(), hashlib.sha256)
    return digest.hexdigest()[:32]


def _trusted_device(account: str) -> str | None:
    """This browser's id, when it logged in to ``account`` before (a signed cookie)."""
    cookie = request.cookies.get(DEVICE_COOKIE, "")
    try:
        payload = _device_serializer().loads(cookie, max_age=DEVICE_MAX_AGE)
    except BadData:
        return None
    if isinstance(payload, dict) and payload.get("account") == account:
        device = payload.get("device")
        return str(device) if device else None
    return None


def _login_account_key() -> str:
    """The per-account limit's key: the account, or the account on a browser it logged in
    from before, which a stranger's failures do not use up (and which has its own limit)."""
    account = account_key(request.form.get("email", ""))
    device = _trusted_device(account)
    return f"account:{account}:device:{device}" if device else f"account:{account}"


def _remember_device(response: Response, moderator_email: str) -> None:
    account = account_key(moderator_email)
    device = _trusted_device(account) or secrets.token_urlsafe(16)
    response.set_cookie(
        DEVICE_COOKIE,
        _device_serializer().dumps({"account": account, "device": device}),
        max_age=DEVICE_MAX_AGE,
        path=url_for(".login"),
        secure=current_app.config["SESSION_COOKIE_SECURE"],
        httponly=True,
        samesite="Lax",
    )


def _new_session() -> None:
    """Start the logged-in session afresh: nothing a stranger could have planted in, or
    read from, the anonymous one carries over, the CSRF token least of all."""
    session.clear()
    # Flask-WTF keeps the request's signed token in g under the session key's name.
    g.pop(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), None)


@bp.route("/login", methods=["GET", "POST"])
# Failed attempts per client address: one machine guessing many accounts.
@limiter.limit(
    _login_rate_limit,
    methods=["POST"],
    scope="dashboard-login",
    deduct_when=lambda response: response.status_code != 303,
)
# Wrong passwords per account: many machines guessing one account. A 429 with
# Retry-After asks for a wait; the moderator's own browser keeps its own count.
@limiter.limit(
    _login_account_rate_limit,
    key_func=_login_account_key,
    methods=["POST"],
    scope="dashboard-login-account",
    deduct_when=lambda response: response.status_code == 401,
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
            _new_session()
            login_user(moderator)
            moderators.record_login(moderator)
            db.session.commit()
            log.info("Moderator #%d logged in", moderator.id)
            response = redirect(target, code=303)
            _remember_device(response, moderator.email)
            return response
        # Never the address typed: it may be a password typed in the wrong box.
        log.warning("Failed dashboard login: unknown address, wrong password or disabled")
        error, status = str(LOGIN_FAILED), 401
    elif request.method == "POST":
        error, status = _("Enter your email address and your password."), 400
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
    flash(_("You are logged out."), "success")
    return redirect(url_for(".login"), code=303)


@login_manager.unauthorized_handler
def unauthorized() -> ResponseReturnValue:
    """Pages go to the login form (and come back after); scripts get a 401."""
    if wants_json():
        response = jsonify(error=_("Please log in first."), status=401)
        response.status_code = 401
        return response
    target = request.full_path if request.query_string else request.path
    return redirect(url_for("dashboard.login", next=target))


@bp.post("/language")
@login_required
def language() -> ResponseReturnValue:
    """The moderator's choice of language for the dashboard (empty: the browser's)."""
    form = LanguageForm()
    target = back(form.next.data, queue_url())
    if not form.validate_on_submit():
        abort(400)
    try:
        moderators.set_locale(me(), form.locale.data)
    except DomainError as exc:
        db.session.rollback()
        abort(400, exc.message)
    db.session.commit()
    # Said in the language just chosen.
    refresh()
    flash(_("The dashboard now speaks this language."), "success")
    return redirect(target, code=303)
