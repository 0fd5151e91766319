"""Signed links in mails: each is bound to one purpose (a moderator's action, a reader's
confirmation or unsubscription), carries no email, and expires where it should."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from ..core.i18n import Text, _

ACTION = "moderator-action"
CONFIRM = "confirm-address"
UNSUBSCRIBE = "unsubscribe"
INVITATION = "invitation"
PURPOSES = (ACTION, CONFIRM, UNSUBSCRIBE, INVITATION)
# What a one-click link in a moderator's mail may do.
MODERATOR_ACTIONS = ("approve", "reject", "spam")


# The addresses of the links in mails (their last segment is the token): what the
# access logs write of them.
LINK_PATHS = re.compile(
    r"(/moderation/email/|/moderation/invitation/|/notify/(?:confirm|unsubscribe)/)[^/?#\s\"']+"
)
REDACTED = "[token]"


def redact_tokens(text: str) -> str:
    """``text`` (a request line, a URL, a log message) with every mail link's token
    replaced: a token is as good as the link, so it never reaches a log."""
    return LINK_PATHS.sub(lambda match: match.group(1) + REDACTED, text)


# What a link that does not work says to whoever followed it.
EXPIRED = _("This link has expired.")
NOT_VALID = _("This link is not valid: it may be incomplete or altered.")


class LinkError(Exception):
    """The link is forged, for another purpose, or expired; ``message`` says which (a
    :class:`Text`, in the reader's language once shown)."""

    def __init__(self, message: Text, *, expired: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.expired = expired


def _serializer(secret_key: str, purpose: str) -> URLSafeTimedSerializer:
    if purpose not in PURPOSES:
        raise ValueError(f"unknown purpose {purpose!r}")
    return URLSafeTimedSerializer(secret_key, salt=f"moderation.notify.{purpose}")


def sign(secret_key: str, purpose: str, payload: dict[str, Any]) -> str:
    """A URL-safe token carrying ``payload`` (ids only: it is readable) for ``purpose``."""
    return _serializer(secret_key, purpose).dumps(payload)


def verify(
    secret_key: str, purpose: str, token: str, max_age: int | None = None
) -> tuple[dict[str, Any], datetime]:
    """The payload and the signing time of a good token, or :class:`LinkError`."""
    try:
        payload, signed_at = _serializer(secret_key, purpose).loads(
            token, max_age=max_age, return_timestamp=True
        )
    except SignatureExpired as exc:
        raise LinkError(EXPIRED, expired=True) from exc
    except BadSignature as exc:
        raise LinkError(NOT_VALID) from exc
    if not isinstance(payload, dict):
        raise LinkError(NOT_VALID)
    return payload, signed_at.astimezone(UTC)


@dataclass(frozen=True)
class ActionLink:
    """A moderator's one-click action: who, which comment in which version, what."""

    moderator_id: int
    comment_id: int
    version: int
    action: str
    nonce: str
    expires_at: datetime


def action_token(
    secret_key: str, moderator_id: int, comment_id: int, version: int, action: str
) -> str:
    return sign(
        secret_key,
        ACTION,
        {
            "m": moderator_id,
            "c": comment_id,
            "v": version,
            "a": action,
            "n": secrets.token_urlsafe(12),
        },
    )


def read_action(secret_key: str, token: str, max_age: int) -> ActionLink:
    payload, signed_at = verify(secret_key, ACTION, token, max_age)
    fields = (payload.get("m"), payload.get("c"), payload.get("v"))
    action, nonce = payload.get("a"), payload.get("n")
    if (
        not all(isinstance(value, int) and not isinstance(value, bool) for value in fields)
        or not isinstance(action, str)
        or not isinstance(nonce, str)
        or not 8 <= len(nonce) <= 32
    ):
        raise LinkError(NOT_VALID)
    moderator_id, comment_id, version = (int(value) for value in fields)  # type: ignore[arg-type]
    expires_at = signed_at + timedelta(seconds=max_age)
    return ActionLink(moderator_id, comment_id, version, action, nonce, expires_at)


def address_token(secret_key: str, purpose: str, address_id: int) -> str:
    return sign(secret_key, purpose, {"a": address_id})


def read_address(secret_key: str, purpose: str, token: str, max_age: int | None) -> int:
    """The address id a confirmation (``max_age``) or unsubscribe (no age) link names."""
    payload, _ = verify(secret_key, purpose, token, max_age)
    address_id = payload.get("a")
    if not isinstance(address_id, int) or isinstance(address_id, bool):
        raise LinkError(NOT_VALID)
    return address_id
