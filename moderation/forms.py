"""Flask-WTF forms. The same ``CommentForm`` validates the HTML and the JSON paths;
the dashboard's forms all carry the session CSRF token."""

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
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    StopValidation,
    ValidationError,
)

from .models import BODY_MAX, EMAIL_MAX, MAX_ID, NAME_MAX, TITLE_MAX, URL_MAX, WEBSITE_MAX, is_id
from .text import (
    control_characters,
    has_bidi_controls,
    is_blank,
    is_local_path,
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
            raise ValidationError("Remove the invisible control characters.")


class Visible:
    """Refuse text that is only spaces and invisible characters (a "blank" name)."""

    def __init__(self, message: str) -> None:
        self.message = message

    def __call__(self, form: Any, field: Any) -> None:
        if isinstance(field.data, str) and is_blank(field.data):
            raise StopValidation(self.message)


def no_bidi_controls(form: Any, field: Any) -> None:
    if isinstance(field.data, str) and has_bidi_controls(field.data):
        raise ValidationError("Remove the invisible characters that reorder the text.")


def http_url(form: Any, field: Any) -> None:
    if field.data:
        problem = web_url_problem(field.data)
        if problem:
            raise ValidationError(problem)


class CommentForm(FlaskForm):
    """A reader's comment. No session CSRF: the signed form token does that job."""

    class Meta:
        csrf = False

    name = StringField(
        "Name",
        filters=[strip],
        validators=[
            DataRequired("Please enter your name."),
            Visible("Please enter your name."),
            Length(max=NAME_MAX, message=f"Keep the name under {NAME_MAX} characters."),
            NoControlCharacters(),
            no_bidi_controls,
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
            Visible("Please write a comment."),
            Length(max=BODY_MAX, message=f"Keep the comment under {BODY_MAX:,} characters."),
            NoControlCharacters(allow="\n\t"),
        ],
    )
    parent_id = IntegerField(
        "Reply to",
        validators=[
            Optional(),
            NumberRange(1, MAX_ID, "You can only reply to a published comment of this article."),
        ],
        render_kw={"hidden": True},
    )
    token = HiddenField("Form token", filters=[strip])
    # A field people never see; bots fill it in.
    homepage = StringField("Leave this field empty", filters=[strip])

    def errors_by_field(self) -> dict[str, list[str]]:
        return {name: list(messages) for name, messages in self.errors.items()}


# --- the dashboard ----------------------------------------------------------------


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


BULK_ACTIONS = [
    ("approve", "Approve"),
    ("reject", "Reject"),
    ("spam", "Mark as spam"),
    ("restore", "Back to pending"),
    ("delete", "Delete for good"),
]


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
        validators=[AnyOf([value for value, _ in BULK_ACTIONS], message="Choose an action.")],
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


def web_address(form: Any, field: Any) -> None:
    """An http(s) address, or a path on the blog's own site (not ``//other.host``)."""
    if not field.data or is_local_path(field.data):
        return
    http_url(form, field)


class ArticleForm(FlaskForm):
    title = StringField(
        "Title",
        filters=[strip],
        validators=[
            Length(max=TITLE_MAX, message=f"Keep the title under {TITLE_MAX} characters."),
            NoControlCharacters(),
        ],
    )
    url = StringField(
        "Address (URL)",
        filters=[strip],
        validators=[
            Length(max=URL_MAX, message=f"Keep the address under {URL_MAX} characters."),
            NoControlCharacters(),
            web_address,
        ],
    )
