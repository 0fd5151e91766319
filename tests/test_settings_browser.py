"""The owner's settings and the queue in Chromium: a spam word added in the dashboard
bins the next comment that uses it, with the reason shown; the bulk bar asks before
deleting for good and stays in view; the pages fit a phone."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from moderation import comments as domain
from moderation.comments.models import Comment, Status
from moderation.extensions import db

from .test_dashboard_browser import EMAIL, log_in, seed, watch_console

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 667}


def test_an_owner_adds_a_spam_word_and_the_next_comment_lands_in_the_spam_tab(
    make_app: Callable[..., Flask], live_server_factory: Callable[..., Any], page: Any
) -> None:
    app = make_app()
    seed(app, [])
    server = live_server_factory(app)
    errors = watch_console(page)
    log_in(page, server.url)
    page.get_by_role("link", name="Settings").click()
    page.get_by_label("What it does").select_option("spam")
    page.get_by_label("Match").select_option("word")
    page.get_by_label("Word, pattern, address, domain or range").fill("casino")
    page.get_by_role("button", name="Add the rule").click()
    page.get_by_text("Rule #1 added: spam word 'casino' in name, email, website, text.").wait_for()

    # A reader posts through the article's own page.
    reader = page.context.new_page()
    reader.goto(f"{server.url}/embed/cell-7")
    reader.get_by_role("textbox", name="Comment", exact=True).fill("Win big at the Casino tonight")
    reader.get_by_role("textbox", name="Name", exact=True).fill("Lucky")
    reader.get_by_role("textbox", name="Email", exact=True).fill("lucky@example.org")
    reader.get_by_role("button", name="Post comment").click()
    reader.get_by_text("awaiting moderation").first.wait_for()
    with app.app_context():
        comment = db.session.scalars(db.select(Comment)).one()
        assert comment.status == Status.SPAM

    page.goto(f"{server.url}/moderation/?status=spam")
    item = page.locator(f"#comment-{comment.id}")
    item.wait_for()
    assert "Binned: matched word 'casino' in the text (rule #1)" in item.inner_text()
    page.get_by_label("Held or binned by").select_option("spam-word")
    page.get_by_role("button", name="Filter").click()
    page.locator(f"#comment-{comment.id}").wait_for()
    assert errors == []


def test_bulk_delete_asks_first_and_the_bar_stays_in_view(
    make_app: Callable[..., Flask], live_server_factory: Callable[..., Any], page: Any
) -> None:
    app = make_app()
    ids = seed(
        app,
        [{"name": f"R{n}", "email": f"r{n}@example.org", "body": f"Text {n}"} for n in range(12)],
    )
    server = live_server_factory(app)
    log_in(page, server.url)
    assert page.locator("#bulk-action").input_value() == ""  # "Bulk actions…"
    page.locator(f"#select-{ids[0]}").check()
    page.locator(f"#select-{ids[-1]}").scroll_into_view_if_needed()
    bar = page.locator("#bulk").bounding_box()
    assert bar is not None and 0 <= bar["y"] < 5, bar  # stuck to the top
    page.locator(f"#select-{ids[-1]}").check()
    page.locator("#bulk-action").select_option("delete")

    questions: list[str] = []

    def answer(dialog: Any, accept: bool) -> None:
        questions.append(dialog.message)
        dialog.accept() if accept else dialog.dismiss()

    page.once("dialog", lambda d: answer(d, False))
    page.get_by_role("button", name="Apply").click()
    page.wait_for_timeout(300)
    assert questions == ["Delete the selected comments for good?"]
    with app.app_context():
        assert db.session.get(Comment, ids[0]) is not None
    page.once("dialog", lambda d: answer(d, True))
    page.get_by_role("button", name="Apply").click()
    page.get_by_text("2 comments deleted for good.").wait_for()
    with app.app_context():
        assert db.session.get(Comment, ids[0]) is None and db.session.get(Comment, ids[-1]) is None


def test_a_phone_sees_the_first_comment_and_whole_tables(
    make_app: Callable[..., Flask], live_server_factory: Callable[..., Any], browser: Any
) -> None:
    app = make_app()
    ids = seed(app, [{"name": "Long Name Reader", "email": "reader@example.org", "body": "Hi"}] * 3)
    with app.app_context():
        comment = db.session.get(Comment, ids[0])
        assert comment is not None
        domain.approve(comment)
        db.session.commit()
    server = live_server_factory(app)
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        log_in(page, server.url)
        first = page.locator(f"#comment-{ids[1]} .author").bounding_box()
        assert first is not None and first["y"] + first["height"] < PHONE["height"], first
        for url in ("/moderation/articles", "/moderation/log"):
            page.goto(server.url + url)
            clipped = page.evaluate(
                """() => [...document.querySelectorAll('.table-wrap')].some(
                    (w) => w.scrollWidth > w.clientWidth + 1)"""
            )
            assert not clipped, url
            assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], url
    finally:
        context.close()
    _ = EMAIL
