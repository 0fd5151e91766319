"""The dashboard's forms; every one carries the session CSRF token."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    Field,
    HiddenField,
    IntegerField,
    PasswordField,
    StringField,
    TextAreaField,
)
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
from ..notify.preferences import DIGEST_MINUTES_MAX, DIGEST_MINUTES_MIN


class LoginForm(FlaskForm):
    """Email and password. No email format check: every failure reads the same."""

    email = StringField(
        "Email",
        filters=[strip],
        validators=[DataRequired("Enter your email address."), Length(max=EMAIL_MAX)],
    )
    password = PasswordField(
        "Password", validators=[DataRequired("Enter your password."), Length(max=1024)]
    )
    next = HiddenField()


class ActionForm(FlaskForm):
    """Nothing but the CSRF token, for POST-only buttons (log out, close an article)."""


class CommentActionForm(ActionForm):
    """A button acting on one comment: the version the moderator saw goes along."""

    version = IntegerField(
        validators=[
            InputRequired("This form is out of date; reload the page."),
            NumberRange(1, MAX_ID, "This form is out of date; reload the page."),
        ]
    )
    next = HiddenField()


def _body_field(label: str) -> TextAreaField:
    return TextAreaField(
        label,
        filters=[strip, normalize_newlines],
        validators=[
            DataRequired("Please write something."),
            Length(max=BODY_MAX, message=f"Keep the text under {BODY_MAX:,} characters."),
            NoControlCharacters(allow="\n\t"),
        ],
    )


class EditCommentForm(CommentActionForm):
    body = _body_field("Text")


class ReplyForm(CommentActionForm):
    body = _body_field("Your reply")


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
        raise ValidationError("Select at least one comment.")
    if len(field.data) > BULK_MAX:
        raise ValidationError(f"Select at most {BULK_MAX} comments at once.")
    for entry in field.data:
        comment_id, _, version = entry.partition(":")
        if not is_id(comment_id) or (version and not is_id(version)):
            raise ValidationError("The selection could not be read; reload the page.")


class BulkForm(FlaskForm):
    """Many comments, one action."""

    action = StringField(
        "Action",
        validators=[AnyOf(list(ACTIONS), message="Choose an action.")],
    )
    selected = ValuesField("Selected comments", default=list, validators=[check_selection])
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
        "Title",
        filters=[strip],
        validators=[DomainRule(check_title)],
        render_kw={"maxlength": TITLE_MAX},
    )
    url = StringField(
        "Address (URL)",
        filters=[strip],
        validators=[DomainRule(check_url)],
        render_kw={"maxlength": URL_MAX},
    )


class PersonForm(FlaskForm):
    """One commenter's address, for their data: shown, anonymised or deleted."""

    email = StringField(
        "Their email address",
        filters=[strip],
        validators=[DataRequired("Enter the person's email address."), Length(max=EMAIL_MAX)],
    )
    action = StringField(
        "Action",
        validators=[AnyOf(["export", "anonymise", "delete"], message="Choose an action.")],
    )

    def validate_email(self, field: Field) -> None:
        from ..core.text import email_problem

        if email_problem(field.data or ""):
            raise ValidationError("Enter a valid email address, like reader@example.org.")


FREQUENCIES = [
    ("each", "for each new comment"),
    ("digest", "a digest of the new comments"),
    ("none", "never (I look at the dashboard)"),
]


class NotificationsForm(FlaskForm):
    """A moderator's choice of mails about new comments (the template renders the radio
    buttons from ``FREQUENCIES``)."""

    frequency = StringField(
        "Email me",
        validators=[AnyOf([value for value, _ in FREQUENCIES], message="Choose how often.")],
    )
    digest_minutes = IntegerField(
        "A digest at most every",
        validators=[
            InputRequired("Say how many minutes apart digests come."),
            NumberRange(
                DIGEST_MINUTES_MIN,
                DIGEST_MINUTES_MAX,
                f"Digests come {DIGEST_MINUTES_MIN} to {DIGEST_MINUTES_MAX} minutes apart.",
            ),
        ],
        render_kw={"min": DIGEST_MINUTES_MIN, "max": DIGEST_MINUTES_MAX},
    )
