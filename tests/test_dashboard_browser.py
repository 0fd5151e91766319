"""The dashboard in a real browser: log in, moderate, see the result on the blog."""

import os
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from moderation import comments as domain
from moderation.accounts import moderators
from moderation.comments.models import Comment, Status
from moderation.core.database import utcnow
from moderation.extensions import db

from .helpers import axe_violations

pytestmark = pytest.mark.browser

EMAIL = "editor@example.com"
PASSWORD = "a long passphrase"
SCREENSHOT = Path(__file__).resolve().parent.parent / "docs" / "dashboard.png"


def seed(app: Flask, comments: list[dict[str, Any]]) -> list[int]:
    """An article, a moderator and some comments; returns the comments' ids."""
    with app.app_context():
        article = domain.create_article(
            "cell-7", title="Miracle in Cell No. 7, reviewed", url="https://blog.example/cell-7"
        )
        moderators.create_moderator(EMAIL, PASSWORD)
        made = []
        for n, fields in enumerate(dict(c) for c in comments):
            status = fields.pop("status", Status.PENDING)
            held = fields.pop("held_reason", "")
            parent = fields.pop("parent", None)
            fields.setdefault("website", "")
            comment = domain.submit_comment(
                article,
                domain.Submission(parent_id=made[parent] if parent is not None else None, **fields),
                held_reason=held,
            )
            comment.created_at = utcnow() - timedelta(minutes=10 * (len(comments) - n))
            if status is not Status.PENDING:
                domain.set_status(comment, status, None)
            db.session.flush()
            made.append(comment.id)
        db.session.commit()
        return made


THREE = [
    {"name": "One", "email": "one@example.org", "body": "First"},
    {"name": "Two", "email": "two@example.org", "body": "Second"},
    {"name": "Three", "email": "three@example.org", "body": "Third"},
]


def log_in(page: Any, url: str) -> None:
    page.goto(f"{url}/moderation/")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{url}/moderation/")


def watch_console(page: Any) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return errors


def status_of(app: Flask, comment_id: int) -> Status:
    with app.app_context():
        comment = db.session.get(Comment, comment_id)
        assert comment is not None
        return comment.status


def test_approve_in_the_queue_then_see_it_on_the_blog(
    make_app: Callable[..., Flask], live_server_factory: Callable[..., Any], page: Any
) -> None:
    app = make_app()
    (comment_id,) = seed(
        app, [{"name": "Ji-won", "email": "jiwon@example.org", "body": "I cried *twice*."}]
    )
    server = live_server_factory(app)
    errors = watch_console(page)
    log_in(page, server.url)
    item = page.locator(f"#comment-{comment_id}")
    assert "jiwon@example.org" in item.inner_text()
    item.get_by_role("button", name=f"Approve comment #{comment_id} by Ji-won").click()
    page.locator("#live").filter(has_text=f"Comment #{comment_id} approved.").wait_for(
        state="attached"
    )
    assert item.locator(".badge").inner_text().lower() == "approved"
    assert page.locator('[data-count="pending"]').inner_text() == "0"
    assert page.locator('[data-count="approved"]').inner_text() == "1"
    assert page.locator("[data-pending-total]").inner_text() == "0"
    assert status_of(app, comment_id) is Status.APPROVED
    assert errors == []

    page.goto(f"{server.url}/embed/cell-7")
    assert "I cried twice." in page.locator(".mc-thread header + div").inner_text()
    assert page.locator("em", has_text="twice").count() == 1


def test_keyboard_shortcuts_and_typing_in_a_field(
    make_app: Callable[..., Flask], live_server_factory: Callable[..., Any], page: Any
) -> None:
    app = make_app()
    first, second, third = seed(app, THREE)
    server = live_server_factory(app)
    errors = watch_console(page)
    log_in(page, server.url)
    # Typing "a", "r" or "s" in the search box moderates nothing.
    page.get_by_label("Search names, emails and text").fill("ars")
    page.keyboard.press("a")
    page.keyboard.press("Escape")
    page.locator("body").click(position={"x": 1, "y": 1})
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("s")
    page.locator("#live").filter(has_text=f"Comment #{second} marked as spam.").wait_for(
        state="attached"
    )
    page.keyboard.press("k")
    page.keyboard.press("k")
    page.keyboard.press("a")
    page.locator("#live").filter(has_text=f"Comment #{first} approved.").wait_for(state="attached")
    assert [status_of(app, i) for i in (first, second, third)] == [
        Status.APPROVED,
        Status.SPAM,
        Status.PENDING,
    ]
    assert errors == []


def test_without_javascript_the_buttons_are_plain_forms(
    make_app: Callable[..., Flask], live_server_factory: Callable[..., Any], browser: Any
) -> None:
    app = make_app()
    first, second = seed(
        app,
        [
            {"name": "Plain", "email": "plain@example.org", "body": "No scripts here"},
            {"name": "Next", "email": "next@example.org", "body": "Waiting"},
        ],
    )
    server = live_server_factory(app)
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.set_default_timeout(10_000)
        log_in(page, server.url)
        page.get_by_role("button", name=f"Approve comment #{first} by Plain").click()
        page.wait_for_url(f"**/moderation/#comment-{second}")
        assert f"Comment #{first} approved." in page.get_by_role("status").first.inner_text()
        assert page.locator(f"#comment-{first}").count() == 0
        page.goto(f"{server.url}/embed/cell-7")
        assert "No scripts here" in page.locator(".mc-thread header + div").inner_text()
    finally:
        context.close()


def test_a_colleague_got_there_first(
    make_app: Callable[..., Flask], live_server_factory: Callable[..., Any], page: Any
) -> None:
    app = make_app()
    (comment_id,) = seed(app, [{"name": "Min", "email": "min@example.org", "body": "Hello"}])
    server = live_server_factory(app)
    log_in(page, server.url)
    with app.app_context():
        comment = db.session.get(Comment, comment_id)
        assert comment is not None
        domain.approve(comment, None)
        db.session.commit()
    item = page.locator(f"#comment-{comment_id}")
    item.get_by_role("button", name=f"Spam comment #{comment_id} by Min").click()
    alert = item.get_by_role("alert")
    assert f"Comment #{comment_id} was changed by someone else" in alert.inner_text()
    assert item.locator(".badge").inner_text().lower() == "approved"
    assert status_of(app, comment_id) is Status.APPROVED


@pytest.mark.skipif(
    not os.environ.get("MODERATION_SCREENSHOTS"), reason="set MODERATION_SCREENSHOTS=1"
)
def test_screenshot_of_the_queue(
    make_app: Callable[..., Flask], live_server_factory: Callable[..., Any], page: Any
) -> None:
    """Writes docs/dashboard.png, the picture the README shows."""
    app = make_app()
    seed(
        app,
        [
            {
                "name": "Hana Lee",
                "email": "hana@example.org",
                "body": "The scene with the balloon got me. The actor who plays the father "
                "never overplays it.",
                "status": Status.APPROVED,
            },
            {
                "name": "Marco",
                "email": "marco.r@example.net",
                "website": "https://marco.example",
                "body": "Is the Turkish remake worth watching if I loved the Korean film?",
            },
            {
                "name": "Sophie Martin",
                "email": "sophie.martin@example.fr",
                "body": "Same here, **especially** the ending in the courtroom.",
                "parent": 0,
            },
            {
                "name": "Cheap Watches",
                "email": "sales@watches.example",
                "website": "https://watches.example",
                "body": "Great post! Visit https://watches.example and "
                "https://watches.example/sale for 90% off.",
                "held_reason": "2 links; blocked word: sale",
            },
            {
                "name": "Tomás",
                "email": "tomas@example.org",
                "body": "I showed it to my daughter last weekend. We both needed tissues.",
            },
        ],
    )
    server = live_server_factory(app)
    page.set_viewport_size({"width": 1100, "height": 900})
    log_in(page, server.url)
    page.keyboard.press("j")
    SCREENSHOT.parent.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOT), full_page=True)
    assert SCREENSHOT.stat().st_size > 10_000


def test_dashboard_pages_have_no_axe_violations(
    make_app: Callable[..., Flask], live_server_factory: Callable[..., Any], axe_context: Any
) -> None:
    app = make_app()
    first, _, _ = seed(
        app,
        [
            {"name": "Ana", "email": "ana@example.org", "body": "A *moving* film."},
            {"name": "Ben", "email": "ben@example.org", "body": "Buy now", "held_reason": "links"},
            {"name": "Cy", "email": "cy@example.org", "body": "Agreed", "status": Status.APPROVED},
        ],
    )
    server = live_server_factory(app)
    page = axe_context.new_page()
    page.set_default_timeout(10_000)
    page.goto(f"{server.url}/moderation/login")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Log in").click()  # the error state
    assert axe_violations(page) == []
    log_in(page, server.url)
    for path in (
        "/moderation/",
        "/moderation/?status=approved",
        f"/moderation/comments/{first}",
        "/moderation/articles",
        "/moderation/log",
        "/moderation/data",
        "/moderation/settings",
        "/moderation/settings/moderators",
        "/moderation/account",
    ):
        assert page.goto(server.url + path).ok, path
        assert axe_violations(page) == [], path
    page.set_viewport_size({"width": 375, "height": 667})  # a phone: stacked tables
    for path in ("/moderation/", "/moderation/articles", "/moderation/log"):
        assert page.goto(server.url + path).ok, path
        assert axe_violations(page) == [], path
    page.close()


def test_acting_keys_do_nothing_while_the_focus_is_outside_the_queue(
    make_app: Callable[..., Flask], live_server_factory: Callable[..., Any], page: Any
) -> None:
    app = make_app()
    first, second = seed(
        app,
        [
            {"name": "One", "email": "one@example.org", "body": "First"},
            {"name": "Two", "email": "two@example.org", "body": "Second"},
        ],
    )
    server = live_server_factory(app)
    log_in(page, server.url)
    page.keyboard.press("j")  # the first comment has the focus
    page.get_by_role("link", name="Log", exact=True).focus()
    for key in "arsp":
        page.keyboard.press(key)
    page.wait_for_timeout(300)
    assert [status_of(app, i) for i in (first, second)] == [Status.PENDING, Status.PENDING]
    page.keyboard.press("j")  # back in the queue: the keys work again
    page.keyboard.press("a")
    page.locator("#live").filter(has_text="approved.").wait_for(state="attached")
    assert Status.APPROVED in [status_of(app, i) for i in (first, second)]


def test_select_all_leaves_out_the_comments_already_handled(
    make_app: Callable[..., Flask], live_server_factory: Callable[..., Any], page: Any
) -> None:
    app = make_app()
    first, second, third = seed(app, THREE)
    server = live_server_factory(app)
    log_in(page, server.url)
    page.keyboard.press("j")
    page.keyboard.press("a")
    page.locator("#live").filter(has_text=f"Comment #{first} approved.").wait_for(state="attached")
    page.get_by_label("Select all on this page").check()
    page.get_by_label("With the selected comments").select_option(label="Reject")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_load_state()
    assert [status_of(app, i) for i in (first, second, third)] == [
        Status.APPROVED,
        Status.REJECTED,
        Status.REJECTED,
    ]
