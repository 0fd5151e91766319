"""The dashboard's forms; every one carries the session CSRF token."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
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
from ..i18n import Numbered
from ..notify.preferences import DIGEST_MINUTES_MAX, DIGEST_MINUTES_MIN
from ..spam.models import ReturningAuthors, RuleAction, RuleKind
from ..spam.rules import FIELDS as RULE_FIELDS
from ..spam.rules import MAX_LINKS_MAX, PATTERN_MAX, TEXT_FIELDS


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


class PersonForm(FlaskForm):
    """One commenter's address, for their data: shown, anonymised or deleted."""

    email = StringField(
        _l("Their email address"),
        filters=[strip],
        validators=[DataRequired(_l("Enter the person's email address.")), Length(max=EMAIL_MAX)],
    )
    action = StringField(
        _l("Action"),
        validators=[AnyOf(["export", "anonymise", "delete"], message=_l("Choose an action."))],
    )

    def validate_email(self, field: Field) -> None:
        from ..core.text import email_problem

        if email_problem(field.data or ""):
            raise ValidationError(_l("Enter a valid email address, like reader@example.org."))


# --- the owner's settings -------------------------------------------------------------


class RuleForm(FlaskForm):
    """One new spam rule; the domain checks the pattern (``spam.rules.clean_pattern``)."""

    action = SelectField(
        _l("What it does"),
        choices=[
            SelectChoice(RuleAction.HOLD.value, _l("Hold for moderation, with the reason")),
            SelectChoice(RuleAction.SPAM.value, _l("Send to the spam tab")),
        ],
        default=RuleAction.SPAM.value,
    )
    kind = SelectField(
        _l("Match"),
        choices=[
            SelectChoice(RuleKind.WORD.value, _l("a word or phrase")),
            SelectChoice(RuleKind.REGEX.value, _l("a regular expression")),
            SelectChoice(RuleKind.EMAIL.value, _l("an email address")),
            SelectChoice(RuleKind.DOMAIN.value, _l("an email domain (and its subdomains)")),
            SelectChoice(RuleKind.NETWORK.value, _l("an IP address or range (CIDR)")),
        ],
        default=RuleKind.WORD.value,
    )
    pattern = StringField(
        _l("Word, pattern, address, domain or range"),
        filters=[strip],
        validators=[DataRequired(_l("Enter what to match.")), Length(max=PATTERN_MAX)],
        render_kw={"maxlength": PATTERN_MAX},
    )
    look_in = SelectMultipleField(
        _l("Look in (words and patterns)"),
        choices=[SelectChoice(name, label) for name, label in RULE_FIELDS.items()],
        default=list(TEXT_FIELDS),
        option_widget=CheckboxInput(),
        widget=ListWidget(prefix_label=False),
        validate_choice=True,
    )


class SettingsForm(FlaskForm):
    max_links = IntegerField(
        _l("Hold a comment with more links than"),
        validators=[InputRequired(_l("Enter a number.")), NumberRange(0, MAX_LINKS_MAX)],
    )
    spam_threshold = FloatField(
        _l("Spam tab when the learning filter's score is above"),
        validators=[InputRequired(_l("Enter a number.")), NumberRange(0.5, 1.0)],
    )
    hold_threshold = FloatField(
        _l("Hold with the reason when it is above"),
        validators=[InputRequired(_l("Enter a number.")), NumberRange(0.5, 1.0)],
    )
    returning_authors = SelectField(
        _l("Returning authors"),
        choices=[
            SelectChoice(ReturningAuthors.PREMODERATE.value, _l("Everyone is pre-moderated")),
            SelectChoice(
                ReturningAuthors.CONFIRMED.value,
                _l(
                    "Publish at once an author whose address is confirmed and who already "
                    "has an approved comment"
                ),
            ),
        ],
    )


ROLE_NAMES = {Role.OWNER: _l("Owner"), Role.MODERATOR: _l("Moderator")}


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=[SelectChoice(r.value, ROLE_NAMES[r]) for r in Role])


class InviteForm(FlaskForm):
    email = StringField(
        _l("Email address"),
        filters=[strip],
        validators=[DataRequired(_l("Enter the address to invite.")), Length(max=EMAIL_MAX)],
        render_kw={"maxlength": EMAIL_MAX},
    )
    role = SelectField(
        _l("Role"),
        choices=[SelectChoice(r.value, ROLE_NAMES[r]) for r in Role],
        default=Role.MODERATOR.value,
    )


class AcceptInvitationForm(FlaskForm):
    password = PasswordField(
        _l("Choose a password"),
        validators=[DataRequired(_l("Choose a password.")), Length(max=1024)],
    )
    confirm = PasswordField(
        _l("The same password again"),
        validators=[DataRequired(_l("Type the password again."))],
    )

    def validate_confirm(self, field: Any) -> None:
        if field.data != self.password.data:
            raise ValidationError(_l("The two passwords differ."))


class DisplayNameForm(FlaskForm):
    display_name = StringField(
        _l("Sign my site replies as"),
        filters=[strip],
        validators=[Length(max=DISPLAY_NAME_MAX), NoControlCharacters()],
        render_kw={"maxlength": DISPLAY_NAME_MAX},
    )


FREQUENCIES = [
    ("each", _l("for each new comment")),
    ("digest", _l("a digest of the new comments")),
    ("none", _l("never (I look at the dashboard)")),
]


class NotificationsForm(FlaskForm):
    """A moderator's choice of mails about new comments (the template renders the radio
    buttons from ``FREQUENCIES``)."""

    frequency = StringField(
        _l("Email me"),
        validators=[AnyOf([value for value, _ in FREQUENCIES], message=_l("Choose how often."))],
    )
    digest_minutes = IntegerField(
        _l("A digest at most every"),
        validators=[
            InputRequired(_l("Say how many minutes apart digests come.")),
            NumberRange(
                DIGEST_MINUTES_MIN,
                DIGEST_MINUTES_MAX,
                Numbered(_l("Digests come %(min)s to %(max)s minutes apart.")),
            ),
        ],
        render_kw={"min": DIGEST_MINUTES_MIN, "max": DIGEST_MINUTES_MAX},
    )
