"""The reader's form. The same ``CommentForm`` validates the HTML and the JSON paths."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from ..comments.models import BODY_MAX, NAME_MAX, WEBSITE_MAX
from ..core.database import MAX_ID
from ..core.fields import (
    NoControlCharacters,
    Visible,
    add_scheme,
    http_url,
    no_bidi_controls,
    normalize_newlines,
    strip,
    valid_email,
)
from ..core.text import EMAIL_MAX
from ..i18n import Numbered


class CommentForm(FlaskForm):
    """A reader's comment. No session CSRF: the signed form token does that job."""

    class Meta:
        csrf = False

    name = StringField(
        _l("Name"),
        filters=[strip],
        validators=[
            DataRequired(_l("Please enter your name.")),
            Visible(_l("Please enter your name.")),
            Length(max=NAME_MAX, message=_l("Keep the name under %(max)d characters.")),
            NoControlCharacters(),
            no_bidi_controls,
        ],
    )
    email = StringField(
        _l("Email"),
        filters=[strip],
        validators=[
            DataRequired(_l("Please enter your email address.")),
            Length(max=EMAIL_MAX, message=_l("Keep the email under %(max)d characters.")),
            NoControlCharacters(),
            valid_email,
        ],
    )
    website = StringField(
        _l("Website"),
        filters=[strip, add_scheme],
        validators=[
            Optional(),
            Length(max=WEBSITE_MAX, message=_l("Keep the address under %(max)d characters.")),
            NoControlCharacters(),
            http_url,
        ],
    )
    body = TextAreaField(
        _l("Comment"),
        filters=[strip, normalize_newlines],
        validators=[
            DataRequired(_l("Please write a comment.")),
            Visible(_l("Please write a comment.")),
            Length(
                max=BODY_MAX, message=Numbered(_l("Keep the comment under %(max)s characters."))
            ),
            NoControlCharacters(allow="\n\t"),
        ],
    )
    parent_id = IntegerField(
        _l("Reply to"),
        validators=[
            Optional(),
            NumberRange(
                1, MAX_ID, _l("You can only reply to a published comment of this article.")
            ),
        ],
        render_kw={"hidden": True},
    )
    # Off unless ticked; the address gets a confirmation request first (double opt-in).
    notify = BooleanField(
        _l("Email me when someone replies"),
        false_values=(False, "false", "", "0", "off", "no"),
    )
    token = HiddenField(_l("Form token"), filters=[strip])
    # A field people never see; bots fill it in.
    homepage = StringField(_l("Leave this field empty"), filters=[strip])

    def errors_by_field(self) -> dict[str, list[str]]:
        return {name: [str(m) for m in messages] for name, messages in self.errors.items()}


class EditForm(FlaskForm):
    """A reader changing their own comment: the new text and the edit token."""

    class Meta:
        csrf = False

    body = CommentForm.body
    edit_token = HiddenField(_l("Edit token"), filters=[strip])

    def errors_by_field(self) -> dict[str, list[str]]:
        return {name: [str(m) for m in messages] for name, messages in self.errors.items()}
