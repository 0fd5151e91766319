"""The dashboard's forms; every one carries the session CSRF token."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field, HiddenField, IntegerField, PasswordField, StringField, TextAreaField
from wtforms.validators import (
    AnyOf,
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    ValidationError,
)

from ..comments.actions import ACTIONS
from ..comments.articles import check_title, check_url
from ..comments.models import BODY_MAX, TITLE_MAX, URL_MAX
from ..core.database import MAX_ID, is_id
from ..core.fields import DomainRule, NoControlCharacters, normalize_newlines, strip
from ..core.text import EMAIL_MAX
from ..i18n import Numbered


class LoginForm(FlaskForm):
    """Email and password. No email format check: every failure reads the same."""

    email = StringField(
        _l("Email"),
        filters=[strip],
        validators=[DataRequired(_l("Enter your email address.")), Length(max=EMAIL_MAX)],
    )
    password = PasswordField(
        _l("Password"), validators=[DataRequired(_l("Enter your password.")), Length(max=1024)]
    )
    next = HiddenField()


class LanguageForm(FlaskForm):
    """The dashboard's language: a shipped locale, or empty for the browser's."""

    locale = StringField(_l("Language"), filters=[strip], validators=[Length(max=16)])
    next = HiddenField()


class ActionForm(FlaskForm):
    """Nothing but the CSRF token, for POST-only buttons (log out, close an article)."""


class CommentActionForm(ActionForm):
    """A button acting on one comment: the version the moderator saw goes along."""

    version = IntegerField(
        validators=[
            InputRequired(_l("This form is out of date; reload the page.")),
            NumberRange(1, MAX_ID, _l("This form is out of date; reload the page.")),
        ]
    )
    next = HiddenField()


def _body_field(label: Any) -> TextAreaField:
    return TextAreaField(
        label,
        filters=[strip, normalize_newlines],
        validators=[
            DataRequired(_l("Please write something.")),
            Length(max=BODY_MAX, message=Numbered(_l("Keep the text under %(max)s characters."))),
            NoControlCharacters(allow="\n\t"),
        ],
    )


class EditCommentForm(CommentActionForm):
    body = _body_field(_l("Text"))


class ReplyForm(CommentActionForm):
    body = _body_field(_l("Your reply"))


BULK_MAX = 500


class ValuesField(Field):
    """Every value sent under one name (ticked checkboxes), as a list of strings."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.data = [str(value).strip() for value in valuelist]

    def _value(self) -> str:
        return ""


def check_selection(form: Any, field: Any) -> None:
    """A bulk checkbox says ``ID:VERSION``; a bare ``ID`` skips the version check."""
    if not field.data:
        raise ValidationError(_l("Select at least one comment."))
    if len(field.data) > BULK_MAX:
        raise ValidationError(_l("Select at most %(max)d comments at once.", max=BULK_MAX))
    for entry in field.data:
        comment_id, _, version = entry.partition(":")
        if not is_id(comment_id) or (version and not is_id(version)):
            raise ValidationError(_l("The selection could not be read; reload the page."))


class BulkForm(FlaskForm):
    """Many comments, one action."""

    action = StringField(
        _l("Action"),
        validators=[AnyOf(list(ACTIONS), message=_l("Choose an action."))],
    )
    selected = ValuesField(_l("Selected comments"), default=list, validators=[check_selection])
    next = HiddenField()

    def selection(self) -> list[tuple[int, int | None]]:
        """(comment id, version seen) for every ticked box, each comment once."""
        items: dict[int, int | None] = {}
        for entry in self.selected.data:
            comment_id, _, version = entry.partition(":")
            items[int(comment_id)] = int(version) if version else None
        return list(items.items())


class ArticleForm(FlaskForm):
    """The rules are the domain's (``check_title``, ``check_url``); the lengths render as
    ``maxlength``."""

    title = StringField(
        _l("Title"),
        filters=[strip],
        validators=[DomainRule(check_title)],
        render_kw={"maxlength": TITLE_MAX},
    )
    url = StringField(
        _l("Address (URL)"),
        filters=[strip],
        validators=[DomainRule(check_url)],
        render_kw={"maxlength": URL_MAX},
    )
