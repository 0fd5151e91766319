"""Signed, timestamped form tokens: the public POST's anti-forgery, without cookies.

A token says "this form for this article was handed out at time T". It proves the
form was fetched first, not filled in faster than a person could, and not kept for
hours. Each token carries one comment: once a comment is accepted with it, its nonce
is spent, so a bot cannot fetch one form and post through it again and again.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import delete

from ..core.database import db, insert_unless_present, utcnow
from ..core.i18n import Text, _
from .models import SpentToken

SALT = "moderation.form-token"
# Spent tokens past their expiry are deleted at most this often per process (seconds).
CLEANUP_EVERY_SECONDS = 60.0
_next_cleanup = 0.0


class TokenError(Exception):
    """The token is missing, forged, for another article, too fresh, too old or spent;
    its first argument is the reader-facing message."""

    @property
    def message(self) -> Text:
        return self.args[0]  # type: ignore[no-any-return]


@dataclass(frozen=True)
class GoodToken:
    nonce: str
    expires_at: datetime


def _serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=SALT)


def issue_token(secret_key: str, article_id: str) -> str:
    """A token for one comment on one article."""
    return _serializer(secret_key).dumps({"a": article_id, "n": secrets.token_urlsafe(12)})


def check_token(
    secret_key: str, token: str, article_id: str, *, min_age: float, max_age: float
) -> GoodToken:
    """Raise :class:`TokenError` with a reader-facing message unless the token is good."""
    if not token:
        raise TokenError(_("The form was not complete. Check your comment and send it again."))
    try:
        payload, signed_at = _serializer(secret_key).loads(
            token, max_age=int(max_age), return_timestamp=True
        )
    except SignatureExpired as exc:
        raise TokenError(_("This form has expired. Reload the page and try again.")) from exc
    except BadSignature as exc:
        raise TokenError(_("The form token is not valid. Reload the page and try again.")) from exc
    if not isinstance(payload, dict) or payload.get("a") != article_id:
        raise TokenError(_("This form belongs to another article. Reload the page and try again."))
    nonce = payload.get("n")
    if not isinstance(nonce, str) or not 8 <= len(nonce) <= 32:
        raise TokenError(_("The form token is not valid. Reload the page and try again."))
    age = time.time() - signed_at.timestamp()
    if age < min_age:
        raise TokenError(
            _("That was quick! Please wait a few seconds before sending your comment.")
        )
    return GoodToken(nonce, signed_at.astimezone(UTC) + timedelta(seconds=max_age))


def spend_token(token: GoodToken) -> None:
    """Mark a token as used; raise :class:`TokenError` if a comment already used it.

    Call it in the transaction that stores the comment, so a refused comment leaves the
    token unspent. Tokens past their expiry are forgotten on the way, once a minute at
    most (``forget_expired_tokens``), not on every post.
    """
    global _next_cleanup
    now = time.monotonic()
    if now >= _next_cleanup:
        _next_cleanup = now + CLEANUP_EVERY_SECONDS
        forget_expired_tokens()
    values = {"nonce": token.nonce, "expires_at": token.expires_at}
    if not insert_unless_present(SpentToken, values):
        raise TokenError(
            _("This form has already sent a comment. Reload the page to write another one.")
        )


def forget_expired_tokens() -> int:
    """Delete the spent tokens that have expired (they could not be used again anyway);
    how many. One indexed range delete, in the caller's transaction."""
    result = db.session.execute(delete(SpentToken).where(SpentToken.expires_at < utcnow()))
    return int(getattr(result, "rowcount", 0) or 0)
