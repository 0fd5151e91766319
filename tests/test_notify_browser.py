"""In Chromium: the widget's "Email me when someone replies" box (and the no-JS form's),
the confirmation mail sent by the server's own background thread, and its link."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import expect

from moderation.accounts.models import Moderator
from moderation.extensions import db
from moderation.notify import is_confirmed

from .helpers import free_port
from .receivers import Mailbox, WebhookReceiver, links_in, notify_config, text_of

pytestmark = pytest.mark.browser

DEMO_ARTICLE = "miracle-in-cell-no-7"


@pytest.fixture
def site(
    make_app: Callable[..., Flask],
    live_server_factory: Callable[..., Any],
    mailbox: Mailbox,
    webhook_receiver: WebhookReceiver,
) -> tuple[Flask, str]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    # As with `make run`: the server sends the outbox itself, in a background thread.
    app = make_app(**notify_config(mailbox, webhook_receiver, PUBLIC_URL=url, OUTBOX_THREAD=True))
    with app.app_context():
        db.session.add(Moderator(email="mod@example.com", password_hash="x", active=True))
        db.session.commit()
    live_server_factory(app, port=port)
    return app, url


def confirmation_link(mailbox: Mailbox, address: str, count: int) -> str:
    mailbox.wait_for(count)
    [mail] = mailbox.to(address)
    assert "Confirm your address" in mail["Subject"]
    return [u for u in links_in(text_of(mail)) if "/notify/confirm/" in u][0]


def test_the_widget_box_asks_for_a_confirmation_then_the_link_confirms(
    site: tuple[Flask, str], page: Any, mailbox: Mailbox
) -> None:
    app, url = site
    page.goto(url + "/demo")
    box = page.get_by_role("checkbox", name="Email me when someone replies")
    expect(box).not_to_be_checked()
    page.get_by_role("textbox", name="Comment", exact=True).fill("Tell me when you answer.")
    page.get_by_role("textbox", name="Name", exact=True).fill("Box Ticker")
    page.get_by_role("textbox", name="Email", exact=True).fill("ticker@example.org")
    box.check()
    page.get_by_role("button", name="Post comment").click()
    expect(page.locator("[role=status]")).to_contain_text("awaiting moderation")
    expect(box).to_be_checked()  # kept for the next comment, like the name and email

    # The moderator's notice and the reader's confirmation, sent by the server itself.
    link = confirmation_link(mailbox, "ticker@example.org", 2)
    assert len(mailbox.to("mod@example.com")) == 1
    with app.app_context():
        assert not is_confirmed("ticker@example.org")

    page.goto(link)
    expect(page.get_by_role("heading", name="Confirm your address")).to_be_visible()
    with app.app_context():
        assert not is_confirmed("ticker@example.org")  # showing the page changed nothing
    page.get_by_role("button", name="Yes, email me about replies").click()
    expect(page.get_by_role("heading", name="Address confirmed")).to_be_visible()
    with app.app_context():
        assert is_confirmed("ticker@example.org")


def test_the_no_script_form_has_the_box_too(
    site: tuple[Flask, str], browser: Any, mailbox: Mailbox
) -> None:
    app, url = site
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        page.goto(f"{url}/embed/{DEMO_ARTICLE}")
        page.get_by_role("textbox", name="Comment", exact=True).fill("Sent without a script.")
        page.get_by_role("textbox", name="Name", exact=True).fill("No Script")
        page.get_by_role("textbox", name="Email", exact=True).fill("noscript@example.org")
        box = page.get_by_role("checkbox", name="Email me when someone replies")
        assert not box.is_checked()
        box.check()
        page.get_by_role("button", name="Post comment").click()
        expect(page.get_by_text(re.compile("awaiting moderation"))).to_be_visible()
        link = confirmation_link(mailbox, "noscript@example.org", 2)
        page.goto(link)
        page.get_by_role("button", name="Yes, email me about replies").click()
        expect(page.get_by_role("heading", name="Address confirmed")).to_be_visible()
    finally:
        context.close()
    with app.app_context():
        assert is_confirmed("noscript@example.org")


def test_the_notification_pages_have_no_axe_violations(
    make_app: Callable[..., Flask],
    live_server_factory: Callable[..., Any],
    axe_context: Any,
    mailbox: Mailbox,
    webhook_receiver: WebhookReceiver,
) -> None:
    from moderation import comments as domain
    from moderation.accounts import moderators
    from moderation.notify import enqueue_mail, links, outbox
    from moderation.notify.addresses import address_for

    from .helpers import axe_violations

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    app = make_app(**notify_config(mailbox, webhook_receiver, PUBLIC_URL=url))
    with app.app_context():
        article = domain.create_article("cell-7", title="Miracle in Cell No. 7")
        moderator = moderators.create_moderator("editor@example.com", "a long passphrase")
        comment = domain.submit_comment(
            article,
            domain.Submission(
                name="Ana", email="ana@example.org", website="", body="A *moving* film."
            ),
        )
        address = address_for("ana@example.org")
        enqueue_mail("editor@example.com", template="mail/confirm", subject="Waiting", context={})
        enqueue_mail("x@example.org", template="mail/confirm", subject="Broken", context={})
        db.session.commit()
        [_, (failed_id, token)] = outbox.claim(10, lease=60)
        outbox.record_failure(
            failed_id, token, "The mail server answered 554", outbox.Retry(), permanent=True
        )
        db.session.commit()
        secret = app.config["SECRET_KEY"]
        action = links.action_token(secret, moderator.id, comment.id, comment.version, "approve")
        confirm = links.address_token(secret, links.CONFIRM, address.id)
        unsubscribe = links.address_token(secret, links.UNSUBSCRIBE, address.id)
    live_server_factory(app, port=port)
    page = axe_context.new_page()
    page.set_default_timeout(10_000)
    for path in (
        f"/moderation/email/{action}",
        "/moderation/email/not-a-token",
        f"/notify/confirm/{confirm}",
        f"/notify/unsubscribe/{unsubscribe}",
        "/notify/unsubscribe/not-a-token",
    ):
        page.goto(url + path)
        assert axe_violations(page) == [], path
    page.goto(f"{url}/moderation/login")
    page.get_by_label("Email").fill("editor@example.com")
    page.get_by_label("Password").fill("a long passphrase")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{url}/moderation/")
    for path in (
        "/moderation/outbox",
        "/moderation/outbox?show=failed",
        "/moderation/outbox?show=sent",
        "/moderation/notifications",
    ):
        assert page.goto(url + path).ok, path
        assert axe_violations(page) == [], path
    # The choice saved through the page itself.
    page.get_by_label("a digest of the new comments").check()
    page.get_by_label("A digest at most every").fill("30")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Your notifications are saved.")).to_be_visible()
    assert axe_violations(page) == []
    page.close()
