"""The settings the notifications read: the app's configuration, never the request."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import current_app

from .outbox import Retry


@dataclass(frozen=True)
class NotifySettings:
    secret_key: str
    webhook_urls: tuple[str, ...]
    webhook_secret: str | None
    webhook_include_private: bool
    webhook_timeout: float
    link_max_age: int
    retry: Retry
    smtp_host: str | None
    smtp_port: int
    smtp_username: str | None
    smtp_password: str | None
    smtp_starttls: bool
    smtp_ssl: bool
    smtp_timeout: float
    sender: str
    # The host name in every Message-ID.
    mail_domain: str


def current() -> NotifySettings:
    """The active app's notification settings."""
    config = current_app.config
    host = urlsplit(config["PUBLIC_URL"] or "").hostname or "localhost"
    starttls = config["SMTP_STARTTLS"]
    if starttls is None:
        starttls = bool(config["SMTP_USERNAME"]) and not config["SMTP_SSL"]
    return NotifySettings(
        secret_key=config["SECRET_KEY"],
        webhook_urls=tuple(config["WEBHOOK_URLS"]),
        webhook_secret=config["WEBHOOK_SECRET"],
        webhook_include_private=config["WEBHOOK_INCLUDE_PRIVATE"],
        webhook_timeout=config["WEBHOOK_TIMEOUT"],
        link_max_age=config["EMAIL_LINK_MAX_AGE"],
        retry=Retry(limit=config["OUTBOX_MAX_ATTEMPTS"], base=config["OUTBOX_RETRY_SECONDS"]),
        smtp_host=config["SMTP_HOST"],
        smtp_port=config["SMTP_PORT"],
        smtp_username=config["SMTP_USERNAME"],
        smtp_password=config["SMTP_PASSWORD"],
        smtp_starttls=starttls,
        smtp_ssl=config["SMTP_SSL"],
        smtp_timeout=config["SMTP_TIMEOUT"],
        sender=config["SMTP_FROM"] or f"comments@{host}",
        mail_domain=host,
    )
