"""Flask-WTF forms. The same ``CommentForm`` validates the HTML and the JSON paths."""

from __future__ import annotations

import unicodedata
from typing import Any
from urllib.parse import urlsplit

from flask_wtf import FlaskForm
from wtforms import HiddenField, IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional, ValidationError

from .models import BODY_MAX, EMAIL_MAX, NAME_MAX, WEBSITE_MAX


def strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def normalize_newlines(value: Any) -> Any:
    return value.replace("\r\n", "\n").replace("\r", "\n") if isinstance(value, str) else value


def add_scheme(value: Any) -> Any:
    """``example.com`` means ``https://example.com``; anything with a scheme is left alone."""
    if isinstance(value, str) and value and "://" not in value and ":" not in value.split("/")[0]:
        return "https://" + value
    return value


class NoControlCharacters:
    """Refuse NUL and other control characters (newlines and tabs allowed where asked)."""

    def __init__(self, allow: str = "") -> None:
        self.allow = set(allow)

    def __call__(self, form: Any, field: Any) -> None:
        for char in field.data or "":
            if char in self.allow:
                continue
            if unicodedata.category(char) in ("Cc", "Cs") or char in "\u2028\u2029":
                raise ValidationError("Remove the invisible control characters.")


def http_url(form: Any, field: Any) -> None:
    if not field.data:
        return
    parts = urlsplit(field.data)
    if parts.scheme not in ("http", "https"):
        raise ValidationError("The website must start with http:// or https://.")
    if not parts.hostname or "." not in parts.hostname.strip("."):
        raise ValidationError("Enter a full web address, like https://example.com.")


class CommentForm(FlaskForm):
    """A reader's comment. No session CSRF: the signed form token does that job."""

    class Meta:
        csrf = False

    name = StringField(
        "Name",
        filters=[strip],
        validators=[
            DataRequired("Please enter your name."),
            Length(max=NAME_MAX, message=f"Keep the name under {NAME_MAX} characters."),
            NoControlCharacters(),
        ],
    )
    email = StringField(
        "Email",
        filters=[strip],
        validators=[
            DataRequired("Please enter your email address."),
            Length(max=EMAIL_MAX, message=f"Keep the email under {EMAIL_MAX} characters."),
            NoControlCharacters(),
            Email("Enter a valid email address, like you@example.com."),
        ],
    )
    website = StringField(
        "Website",
        filters=[strip, add_scheme],
        validators=[
            Optional(),
            Length(max=WEBSITE_MAX, message=f"Keep the address under {WEBSITE_MAX} characters."),
            NoControlCharacters(),
            http_url,
        ],
    )
    body = TextAreaField(
        "Comment",
        filters=[strip, normalize_newlines],
        validators=[
            DataRequired("Please write a comment."),
            Length(max=BODY_MAX, message=f"Keep the comment under {BODY_MAX:,} characters."),
            NoControlCharacters(allow="\n\t"),
        ],
    )
    parent_id = IntegerField("Reply to", validators=[Optional()], render_kw={"hidden": True})
    token = HiddenField("Form token", filters=[strip])
    # A field people never see; bots fill it in.
    homepage = StringField("Leave this field empty", filters=[strip])

    def errors_by_field(self) -> dict[str, list[str]]:
        return {name: list(messages) for name, messages in self.errors.items()}
