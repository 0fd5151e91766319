"""The people who moderate: adding, listing, disabling and enabling them.

Plain functions like the rest of the domain: they change state and never look at the
request, flash a message or commit.
"""

from __future__ import annotations

import secrets
from functools import cache

from sqlalchemy import select

from ..core.database import db, utcnow
from ..core.exceptions import DomainError
from ..core.i18n import _, match_locale
from ..core.text import control_characters, email_problem, has_bidi_controls, normalize_email
from .models import DISPLAY_NAME_MAX, Moderator, Role
from .passwords import hash_method, hash_password, verify_password

PASSWORD_MIN = 8
PASSWORD_MAX = 1024


def find_moderator(email: str) -> Moderator | None:
    if control_characters(email):  # no stored email has them (and PostgreSQL refuses NUL)
        return None
    return db.session.scalar(select(Moderator).where(Moderator.email == normalize_email(email)))


def authenticate(email: str, password: str) -> Moderator | None:
    """The active moderator with that email and password, or None (no hint which failed)."""
    moderator = find_moderator(email)
    if moderator is None:
        # Hash anyway, so the time taken does not tell which emails exist.
        verify_password(_dummy_hash(hash_method()), password)
        return None
    if not verify_password(moderator.password_hash, password) or not moderator.active:
        return None
    return moderator


@cache
def _dummy_hash(method: str) -> str:
    return hash_password(secrets.token_urlsafe(16), method)


def _check_email(email: str) -> str:
    email = normalize_email(email)
    problem = email_problem(email)
    if problem:
        raise DomainError(problem, field="email")
    return email


def check_password(password: str) -> None:
    """A password is at least 8 characters long (and not absurdly long)."""
    if len(password) < PASSWORD_MIN:
        raise DomainError(
            _("A password needs at least %(min)d characters.", min=PASSWORD_MIN), field="password"
        )
    if len(password) > PASSWORD_MAX:
        raise DomainError(
            _("A password has at most %(max)d characters.", max=PASSWORD_MAX), field="password"
        )


def create_moderator(email: str, password: str, role: Role | None = None) -> Moderator:
    """Add an active moderator; the email is unique whatever its case. The first one is
    an owner (someone must reach the settings); later ones are moderators unless
    ``role`` says otherwise."""
    email = _check_email(email)
    check_password(password)
    if find_moderator(email) is not None:
        raise DomainError(_("There is already a moderator %(email)s.", email=email), field="email")
    if role is None:
        role = Role.MODERATOR if db.session.scalar(select(Moderator.id).limit(1)) else Role.OWNER
    moderator = Moderator(
        email=email, password_hash=hash_password(password), active=True, role=role
    )
    db.session.add(moderator)
    db.session.flush()
    return moderator


def list_moderators() -> list[Moderator]:
    """Every moderator, active or not, in the order they were added."""
    return list(db.session.scalars(select(Moderator).order_by(Moderator.created_at, Moderator.id)))


def get_moderator(email: str) -> Moderator:
    """The moderator with that email (any case), or a DomainError."""
    moderator = find_moderator(email)
    if moderator is None:
        raise DomainError(_("There is no moderator %(email)s.", email=email.strip()), field="email")
    return moderator


def _other_active_owners(moderator: Moderator) -> int:
    """How many active owners there are besides ``moderator`` (their rows locked on
    PostgreSQL until the transaction ends, so two owners cannot demote each other at
    once and leave nobody)."""
    rows = db.session.scalars(
        select(Moderator.id)
        .where(Moderator.role == Role.OWNER, Moderator.active.is_(True))
        .with_for_update()
    )
    return sum(1 for moderator_id in rows if moderator_id != moderator.id)


# Why the last active owner stays one, by what was asked.
LAST_OWNER = {
    "disabled": _(
        "%(email)s is the last active owner and cannot be disabled: make another moderator "
        "an owner first."
    ),
    "made a moderator": _(
        "%(email)s is the last active owner and cannot be made a moderator: make another "
        "moderator an owner first."
    ),
}


def _keep_an_owner(moderator: Moderator, what: str) -> None:
    if moderator.is_owner and moderator.active and _other_active_owners(moderator) == 0:
        raise DomainError(LAST_OWNER[what](email=moderator.email))


def set_moderator_active(email: str, active: bool) -> Moderator:
    """Disable (or enable again) a moderator.

    A disabled moderator cannot log in, and a session they already hold stops working
    on its next request: the user loader refuses inactive moderators. The last active
    owner cannot be disabled.
    """
    moderator = get_moderator(email)
    if not active:
        _keep_an_owner(moderator, "disabled")
    moderator.active = active
    if not active:
        end_sessions(moderator)
    db.session.flush()
    return moderator


def disable_moderator(email: str) -> Moderator:
    """Stop a moderator from logging in; their past actions stay in the log."""
    return set_moderator_active(email, False)


def enable_moderator(email: str) -> Moderator:
    """Let a disabled moderator log in again."""
    return set_moderator_active(email, True)


def set_role(moderator: Moderator, role: Role) -> Moderator:
    """Make a moderator an owner, or an owner a moderator (never the last active owner)."""
    if role != Role.OWNER:
        _keep_an_owner(moderator, "made a moderator")
    moderator.role = role
    db.session.flush()
    return moderator


def set_display_name(moderator: Moderator, name: str) -> Moderator:
    """How the moderator's site replies are signed ("" for the site's own name)."""
    name = " ".join(name.split())
    if len(name) > DISPLAY_NAME_MAX:
        raise DomainError(
            _("Keep the name under %(max)d characters.", max=DISPLAY_NAME_MAX),
            field="display_name",
        )
    if control_characters(name) or has_bidi_controls(name):
        raise DomainError(_("The name has characters that cannot be shown."), field="display_name")
    moderator.display_name = name
    db.session.flush()
    return moderator


def set_password(moderator: Moderator, password: str) -> Moderator:
    """Give a moderator a new password."""
    check_password(password)
    moderator.password_hash = hash_password(password)
    end_sessions(moderator)
    return moderator


def end_sessions(moderator: Moderator) -> None:
    """End every open session of a moderator (logout, new password, disabled account).

    Sessions live in signed cookies, so they cannot be deleted on the server; instead
    each carries the moderator's session version, and a bumped version refuses them.
    """
    moderator.session_version = (moderator.session_version or 1) + 1


def record_login(moderator: Moderator) -> None:
    """Remember when a moderator last logged in."""
    moderator.last_login_at = utcnow()


def set_locale(moderator: Moderator, locale: str | None) -> Moderator:
    """The dashboard's language for this moderator: one of the shipped locales, or None
    (empty) to follow the browser."""
    if locale:
        found = match_locale(locale)
        if found is None:
            raise DomainError(_("There is no such language."), field="locale")
        locale = found
    moderator.locale = locale or None
    return moderator
