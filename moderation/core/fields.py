"""Filters and validators that every form shares: the text rules, for WTForms."""

from __future__ import annotations

from typing import Any

from wtforms.validators import StopValidation, ValidationError

from .exceptions import DomainError
from .i18n import _
from .text import (
    control_characters,
    email_problem,
    has_bidi_controls,
    is_blank,
    web_url_problem,
)


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
        self.allow = allow

    def __call__(self, form: Any, field: Any) -> None:
        if isinstance(field.data, str) and control_characters(field.data, self.allow):
            raise ValidationError(_("Remove the invisible control characters."))


class Visible:
    """Refuse text that is only spaces and invisible characters (a "blank" name)."""

    def __init__(self, message: Any) -> None:
        self.message = message

    def __call__(self, form: Any, field: Any) -> None:
        if isinstance(field.data, str) and is_blank(field.data):
            raise StopValidation(self.message)


def no_bidi_controls(form: Any, field: Any) -> None:
    if isinstance(field.data, str) and has_bidi_controls(field.data):
        raise ValidationError(_("Remove the invisible characters that reorder the text."))


def http_url(form: Any, field: Any) -> None:
    if field.data:
        problem = web_url_problem(field.data)
        if problem:
            raise ValidationError(problem)


def valid_email(form: Any, field: Any) -> None:
    if isinstance(field.data, str) and field.data:
        problem = email_problem(field.data)
        if problem:
            raise ValidationError(problem)


class DomainRule:
    """A rule of the domain (a function that raises DomainError or returns the cleaned
    value) as a WTForms validator, so the form and the domain say the same thing."""

    def __init__(self, check: Any) -> None:
        self.check = check

    def __call__(self, form: Any, field: Any) -> None:
        if not isinstance(field.data, str):
            return
        try:
            self.check(field.data)
        except DomainError as exc:
            raise ValidationError(exc.message) from exc
