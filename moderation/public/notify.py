"""A reader's links from their mails: confirm the address (double opt-in), unsubscribe
(RFC 8058 one-click too). A GET only shows a page with one button, since mail scanners
and link previews fetch every link; the button's POST acts. No login, no cookie: the
signed link is the proof."""

from __future__ import annotations

import logging

from flask import Response, current_app, render_template
from flask.typing import ResponseReturnValue
from flask_babel import gettext

from ..core.database import db
from ..core.i18n import english
from ..notify import addresses
from ..notify.links import CONFIRM, UNSUBSCRIBE, LinkError, read_address
from ..notify.models import EmailAddress
from ..security import link_page_headers
from . import bp

log = logging.getLogger(__name__)


def _page(status: int = 200, **values: object) -> Response:
    values.setdefault("problem", status >= 400)
    response = Response(render_template("notify/page.html", **values), status=status)
    return link_page_headers(response)


def _address(purpose: str, token: str) -> EmailAddress | Response:
    max_age = current_app.config["EMAIL_LINK_MAX_AGE"] if purpose == CONFIRM else None
    try:
        address_id = read_address(current_app.config["SECRET_KEY"], purpose, token, max_age)
    except LinkError as exc:
        log.info("Refused a %s link: %s", purpose, english(exc.message))
        if exc.expired:
            return _page(
                410,
                title=gettext("This link has expired"),
                message=gettext(
                    "Confirmation links work for a few days only. Tick “Email me when "
                    "someone replies” with your next comment to get a new one."
                ),
            )
        return _page(400, title=gettext("This link does not work"), message=str(exc.message))
    address = db.session.get(EmailAddress, address_id)
    if address is None:
        return _page(
            404,
            title=gettext("Unknown address"),
            message=gettext("This address is no longer known here."),
        )
    return address


@bp.get("/notify/confirm/<token>")
def confirm_address(token: str) -> ResponseReturnValue:
    address = _address(CONFIRM, token)
    if isinstance(address, Response):
        return address
    if addresses.may_mail(address):
        return _page(
            title=gettext("Already confirmed"),
            message=gettext("You will hear of replies by email."),
        )
    return _page(
        title=gettext("Confirm your address"),
        message=gettext("Press the button to get an email when someone replies to your comments."),
        button=gettext("Yes, email me about replies"),
    )


@bp.post("/notify/confirm/<token>")
def confirm_address_post(token: str) -> ResponseReturnValue:
    address = _address(CONFIRM, token)
    if isinstance(address, Response):
        return address
    addresses.confirm(address)
    db.session.commit()
    return _page(
        title=gettext("Address confirmed"),
        message=gettext(
            "Thank you. You will get an email when your comment is published and when "
            "someone replies to it."
        )
        + "\n\n"
        + gettext("Every such mail has a link to unsubscribe at once."),
    )


@bp.get("/notify/unsubscribe/<token>")
def unsubscribe(token: str) -> ResponseReturnValue:
    address = _address(UNSUBSCRIBE, token)
    if isinstance(address, Response):
        return address
    if address.unsubscribed_at is not None:
        return _page(
            title=gettext("Unsubscribed"), message=gettext("You get no more mail from us.")
        )
    return _page(
        title=gettext("Unsubscribe"),
        message=gettext("Press the button and we send no more mail to this address."),
        button=gettext("Unsubscribe"),
    )


@bp.post("/notify/unsubscribe/<token>")
def unsubscribe_post(token: str) -> ResponseReturnValue:
    """The button, and mail clients' one-click (``List-Unsubscribe=One-Click``)."""
    address = _address(UNSUBSCRIBE, token)
    if isinstance(address, Response):
        return address
    addresses.unsubscribe(address)
    db.session.commit()
    return _page(
        title=gettext("Unsubscribed"),
        message=gettext(
            "You get no more mail from us. If you tick “Email me when someone replies” "
            "again one day, we will ask you to confirm once more."
        ),
    )
