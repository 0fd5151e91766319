"""Signed, timestamped form tokens: the public POST's anti-forgery, without cookies.

A token says "this form for this article was handed out at time T". It proves the
form was fetched first, not filled in faster than a person could, and not kept for
hours.
"""

from __future__ import annotations

import time

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

SALT = "moderation.form-token"


class TokenError(Exception):
    """The token is missing, forged, for another article, too fresh or too old."""


def _serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=SALT)


def issue_token(secret_key: str, article_id: str) -> str:
    """A token for one article's comment form."""
    return _serializer(secret_key).dumps({"a": article_id})


def check_token(
    secret_key: str, token: str, article_id: str, *, min_age: float, max_age: float
) -> None:
    """Raise :class:`TokenError` with a reader-facing message unless the token is good."""
    if not token:
        raise TokenError("The form token is missing. Reload the page and try again.")
    try:
        payload, signed_at = _serializer(secret_key).loads(
            token, max_age=int(max_age), return_timestamp=True
        )
    except SignatureExpired as exc:
        raise TokenError("This form has expired. Reload the page and try again.") from exc
    except BadSignature as exc:
        raise TokenError("The form token is not valid. Reload the page and try again.") from exc
    if not isinstance(payload, dict) or payload.get("a") != article_id:
        raise TokenError("This form belongs to another article. Reload the page and try again.")
    age = time.time() - signed_at.timestamp()
    if age < min_age:
        raise TokenError("That was quick! Please wait a few seconds before sending your comment.")
