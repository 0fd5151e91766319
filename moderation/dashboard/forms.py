"""The dashboard's forms; every one carries the session CSRF token."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    Field,
    FloatField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields import SelectChoice
from wtforms.validators import (
    AnyOf,
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from ..accounts.models import DISPLAY_NAME_MAX, Role
from ..comments.actions import ACTIONS
from ..comments.articles import check_title, check_url
from ..comments.models import BODY_MAX, TITLE_MAX, URL_MAX
from ..core.database import MAX_ID, is_id
from ..core.fields import DomainRule, NoControlCharacters, normalize_newlines, strip
from ..core.text import EMAIL_MAX
from ..notify.preferences import DIGEST_MINUTES_MAX, DIGEST_MINUTES_MIN
from ..spam.models import ReturningAuthors, RuleAction, RuleKind
from ..spam.rules import FIELDS as RULE_FIELDS
from ..spam.rules import MAX_LINKS_MAX, PATTERN_MAX, TEXT_FIELDS


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


# --- the owner's settings -------------------------------------------------------------


class RuleForm(FlaskForm):
    """One new spam rule; the domain checks the pattern (``spam.rules.clean_pattern``)."""

    action = SelectField(
        "What it does",
        choices=[
            SelectChoice(RuleAction.HOLD.value, "Hold for moderation, with the reason"),
            SelectChoice(RuleAction.SPAM.value, "Send to the spam tab"),
        ],
        default=RuleAction.SPAM.value,
    )
    kind = SelectField(
        "Match",
        choices=[
            SelectChoice(RuleKind.WORD.value, "a word or phrase"),
            SelectChoice(RuleKind.REGEX.value, "a regular expression"),
            SelectChoice(RuleKind.EMAIL.value, "an email address"),
            SelectChoice(RuleKind.DOMAIN.value, "an email domain (and its subdomains)"),
            SelectChoice(RuleKind.NETWORK.value, "an IP address or range (CIDR)"),
        ],
        default=RuleKind.WORD.value,
    )
    pattern = StringField(
        "Word, pattern, address, domain or range",
        filters=[strip],
        validators=[DataRequired("Enter what to match."), Length(max=PATTERN_MAX)],
        render_kw={"maxlength": PATTERN_MAX},
    )
    look_in = SelectMultipleField(
        "Look in (words and patterns)",
        choices=[SelectChoice(name, label) for name, label in RULE_FIELDS.items()],
        default=list(TEXT_FIELDS),
        option_widget=CheckboxInput(),
        widget=ListWidget(prefix_label=False),
        validate_choice=True,
    )


class SettingsForm(FlaskForm):
    max_links = IntegerField(
        "Hold a comment with more links than",
        validators=[InputRequired("Enter a number."), NumberRange(0, MAX_LINKS_MAX)],
    )
    spam_threshold = FloatField(
        "Spam tab when the learning filter's score is above",
        validators=[InputRequired("Enter a number."), NumberRange(0.5, 1.0)],
    )
    hold_threshold = FloatField(
        "Hold with the reason when it is above",
        validators=[InputRequired("Enter a number."), NumberRange(0.5, 1.0)],
    )
    returning_authors = SelectField(
        "Returning authors",
        choices=[
            SelectChoice(ReturningAuthors.PREMODERATE.value, "Everyone is pre-moderated"),
            SelectChoice(
                ReturningAuthors.CONFIRMED.value,
                "Publish at once an author whose address is confirmed and who already "
                "has an approved comment",
            ),
        ],
    )


class RoleForm(FlaskForm):
    role = SelectField("Role", choices=[SelectChoice(r.value, r.value.capitalize()) for r in Role])


class InviteForm(FlaskForm):
    email = StringField(
        "Email address",
        filters=[strip],
        validators=[DataRequired("Enter the address to invite."), Length(max=EMAIL_MAX)],
        render_kw={"maxlength": EMAIL_MAX},
    )
    role = SelectField(
        "Role",
        choices=[SelectChoice(r.value, r.value.capitalize()) for r in Role],
        default=Role.MODERATOR.value,
    )


class AcceptInvitationForm(FlaskForm):
    password = PasswordField(
        "Choose a password",
        validators=[DataRequired("Choose a password."), Length(max=1024)],
    )
    confirm = PasswordField(
        "The same password again",
        validators=[DataRequired("Type the password again.")],
    )

    def validate_confirm(self, field: Any) -> None:
        if field.data != self.password.data:
            raise ValidationError("The two passwords differ.")


class DisplayNameForm(FlaskForm):
    display_name = StringField(
        "Sign my site replies as",
        filters=[strip],
        validators=[Length(max=DISPLAY_NAME_MAX), NoControlCharacters()],
        render_kw={"maxlength": DISPLAY_NAME_MAX},
    )


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
