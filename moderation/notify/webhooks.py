"""Webhooks as the Standard Webhooks specification describes them: a JSON POST with
``webhook-id`` (the same on every try), ``webhook-timestamp`` and ``webhook-signature``
(``v1,`` and the base64 HMAC-SHA256 of ``id.timestamp.body`` keyed with the secret)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
import urllib.error
import urllib.request

from .mail import DeliveryError

USER_AGENT = "moderation-webhooks/1"
# Refusals that retrying cannot fix; any other answer but a 2xx is tried again.
RETRYABLE_4XX = frozenset({408, 409, 425, 429})


def secret_bytes(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix("whsec_"))


def signature(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` header's value for this message."""
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret_bytes(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def message_id(uid: str) -> str:
    return f"msg_{uid}"


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def deliver(url: str, uid: str, body: bytes, secret: str, timeout: float) -> None:
    """POST one signed message; :class:`DeliveryError` unless the answer is a 2xx."""
    msg_id = message_id(uid)
    timestamp = int(time.time())
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "webhook-id": msg_id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": signature(secret, msg_id, timestamp, body),
        },
    )
    try:
        with _opener.open(request, timeout=timeout) as response:
            status = response.status
    except urllib.error.HTTPError as exc:
        status = exc.code
        exc.close()
    except urllib.error.URLError as exc:
        raise DeliveryError(f"The webhook could not be reached: {exc.reason}") from exc
    except (OSError, ValueError) as exc:
        raise DeliveryError(f"The webhook could not be reached: {type(exc).__name__}") from exc
    if 200 <= status < 300:
        return
    permanent = 400 <= status < 500 and status not in RETRYABLE_4XX
    raise DeliveryError(f"The webhook answered {status}", permanent=permanent)
