"""What every template may use: filters and globals, registered once by the factory."""

from __future__ import annotations

from datetime import datetime

from flask import Flask, url_for
from markupsafe import Markup

from .comments import avatars
from .core.text import safe_link
from .public import assets
from .spam.checks import explain
from .urls import external_url_for, link_for


def avatar_from(email: str, sheet: avatars.AvatarSheet) -> Markup:
    """``email | avatar_from(sheet)``: the commenter's avatar from one list's sheet."""
    return sheet.of(email)


def minute_iso(moment: datetime) -> str:
    """``2026-12-01T18:30Z``: a ``<time datetime>`` to the minute, in UTC."""
    # Its fields written out: strftime costs twice as much, once for each comment shown.
    return (
        f"{moment.year:04}-{moment.month:02}-{moment.day:02}T{moment.hour:02}:{moment.minute:02}Z"
    )


def asset_url(name: str, external: bool = False) -> str:
    """The immutable, content-hashed URL of a widget asset."""
    digest = assets.load(name).digest
    if external:
        return external_url_for("public.versioned_asset", digest=digest, name=name)
    return url_for("public.versioned_asset", digest=digest, name=name)


def held_reason(stored: str) -> str:
    """Why the spam checks held a comment, in the language being spoken (a mail's)."""
    return "; ".join(str(part) for part in explain(stored or ""))


def init_app(app: Flask) -> None:
    app.add_template_filter(held_reason, "held_reason")
    app.add_template_filter(avatar_from, "avatar_from")
    app.add_template_filter(minute_iso, "minute_iso")
    # The one test of an address before it becomes a link: http(s) or a local path.
    app.add_template_filter(safe_link, "safe_link")
    app.add_template_global(asset_url, "asset_url")
    # Absolute URLs come from MODERATION_PUBLIC_URL when set, never from the Host header.
    app.add_template_global(link_for, "link_for")
    app.add_template_global(external_url_for, "external_url_for")
