"""Readers in Chromium: long threads, their own comments, being remembered, feeds, and
what the widget says when it cannot load."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import feedparser
import pytest
from playwright.sync_api import expect

from moderation.comments.models import Comment
from moderation.extensions import db

from .helpers import axe_violations
from .test_browser_widget import READER_EMAIL, Sites, add_comment, expect_text, fill, make_sites

pytestmark = pytest.mark.browser
__all__ = ["make_sites"]  # the fixture, shared with the widget's tests

DOCS = Path(__file__).resolve().parents[1] / "docs"


def post(page: Any, body: str) -> None:
    fill(page, body)
    page.get_by_role("button", name="Post comment").click()
    expect_text(page, "[role=status]", "awaiting moderation")


def stored(sites: Sites) -> list[Comment]:
    with sites.app.app_context():
        comments = list(db.session.scalars(db.select(Comment).order_by(Comment.id)))
        db.session.expunge_all()
        return comments


# --- long threads -------------------------------------------------------------------


def test_older_comments_load_in_place_and_a_permalink_opens_their_page(
    make_sites: Callable[..., Sites], page: Any
) -> None:
    sites = make_sites(PAGE_SIZE=2)
    ids = [add_comment(sites.app, "long", f"Comment number {n}") for n in range(5)]
    url = sites.publish("/long", sites.snippet("long"))
    page.goto(url)
    expect_text(page, ".mc-count", "5 comments")
    expect(page.locator(".mc-thread > li")).to_have_count(2)
    assert page.locator(f"#comment-{ids[0]}").count() == 0
    older = page.get_by_role("link", name="Show older comments")
    older.click()
    expect(page.locator(".mc-thread > li")).to_have_count(4)
    page.get_by_role("link", name="Show older comments").click()
    expect(page.locator(".mc-thread > li")).to_have_count(5)
    # Oldest first (the default): the older ones went above, in order.
    texts = page.locator(".mc-thread > li > header + div").all_inner_texts()
    assert texts == [f"Comment number {n}" for n in range(5)]
    assert page.get_by_role("link", name="Show older comments").count() == 0
    assert page.url == url  # no navigation

    # A permalink to the oldest comment opens its page and shows it.
    page.goto(f"{url}#comment-{ids[0]}")
    target = page.locator(f"#comment-{ids[0]}")
    expect(target).to_have_count(1)
    expect(target).to_be_in_viewport()
    expect(page.get_by_role("link", name="Show the newest comments")).to_have_count(1)


def test_dates_are_relative_when_recent_with_the_exact_time_in_the_title(
    make_sites: Callable[..., Sites], page: Any
) -> None:
    sites = make_sites()
    add_comment(sites.app, "dates", "Just said")
    page.goto(sites.publish("/dates", sites.snippet("dates")))
    time = page.locator("li[id] > header > a > time")
    expect(time).to_have_text("now")
    assert "2" in (time.get_attribute("title") or "")  # a full date, with the year


# --- the reader's own comment ---------------------------------------------------------


def test_edit_and_delete_within_the_window_and_pending_after_reload(
    make_sites: Callable[..., Sites], page: Any
) -> None:
    sites = make_sites()
    url = sites.publish("/own", sites.snippet("own"))
    page.goto(url)
    post(page, "Teh best film")
    mine = page.locator(".mc-pending")
    mine.get_by_role("button", name="Edit").click()
    box = mine.get_by_role("textbox", name="Editing your comment")
    expect(box).to_have_value("Teh best film")
    box.fill("The *best* film")
    mine.get_by_role("button", name="Save").click()
    expect(page.locator(".mc-pending")).to_contain_text("still awaiting moderation")
    expect(page.locator(".mc-pending em")).to_have_text("best")
    assert [c.body for c in stored(sites)] == ["The *best* film"]

    # Reloaded: the comment is still shown to its author, and still theirs to change.
    page.reload()
    expect(page.locator(".mc-pending")).to_have_count(1)
    expect(page.locator(".mc-pending > header + div")).to_have_text("The best film")
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator(".mc-pending").get_by_role("button", name="Delete").click()
    expect_text(page, "[role=status]", "Your comment was deleted.")
    expect(page.locator(".mc-pending")).to_have_count(0)
    assert stored(sites) == []
    page.reload()
    expect_text(page, ".mc-count", "0 comments")
    assert page.locator(".mc-pending").count() == 0
    # Kept in the browser's storage, never in a cookie.
    assert page.context.cookies() == []


def test_an_approved_comment_edited_goes_back_to_moderation_and_says_so(
    make_sites: Callable[..., Sites], page: Any
) -> None:
    sites = make_sites()
    page.goto(sites.publish("/approved", sites.snippet("approved")))
    post(page, "First words")
    from .test_browser_widget import approve_all

    approve_all(sites.app)
    page.reload()
    published = page.locator(".mc-thread li[id]:not(.mc-pending)")
    expect(published).to_have_count(1)
    published.get_by_role("button", name="Edit").click()
    published.get_by_role("textbox", name="Editing your comment").fill("Second words")
    published.get_by_role("button", name="Save").click()
    expect(page.locator(".mc-pending")).to_contain_text("awaiting moderation again")
    assert stored(sites)[0].status.value == "pending"


def test_changes_are_refused_once_the_window_has_passed(
    make_sites: Callable[..., Sites], page: Any
) -> None:
    sites = make_sites()
    page.goto(sites.publish("/late", sites.snippet("late")))
    post(page, "Said in haste")
    with sites.app.app_context():
        comment = db.session.scalar(db.select(Comment))
        assert comment is not None
        comment.created_at -= timedelta(minutes=16)
        db.session.commit()
    mine = page.locator(".mc-pending")
    mine.get_by_role("button", name="Edit").click()
    mine.get_by_role("textbox", name="Editing your comment").fill("Said with care")
    mine.get_by_role("button", name="Save").click()
    expect(mine).to_contain_text("The time to change this comment has passed.")
    expect(mine.get_by_role("button", name="Edit")).to_have_count(0)
    assert stored(sites)[0].body == "Said in haste"


def test_without_javascript_the_notice_links_to_changing_the_comment(
    make_sites: Callable[..., Sites], browser: Any
) -> None:
    sites = make_sites()
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{sites.url}/embed/nojs")
    fill(page, "Typo here")
    page.get_by_role("button", name="Post comment").click()
    page.get_by_role("link", name="Change or delete your comment").click()
    page.get_by_role("textbox", name="Comment").fill("No typo here")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("still awaiting moderation")
    page.get_by_role("button", name="Delete").click()
    expect(page.get_by_role("status")).to_contain_text("Your comment was deleted.")
    assert stored(sites) == []
    context.close()


# --- remembering the reader -----------------------------------------------------------


def test_remember_my_name_and_email_on_this_device(
    make_sites: Callable[..., Sites], page: Any
) -> None:
    sites = make_sites()
    url = sites.publish("/remember", sites.snippet("remember"))
    page.goto(url)
    remember = page.get_by_role("checkbox", name="Remember my name and email on this device")
    expect(remember).to_be_checked()
    post(page, "Remember me")
    page.reload()
    name = page.get_by_role("textbox", name="Name", exact=True)
    email = page.get_by_role("textbox", name="Email", exact=True)
    expect(name).to_have_value("Blog Reader")
    expect(email).to_have_value(READER_EMAIL)
    # Unticked: forgotten after the next comment.
    page.get_by_role("textbox", name="Comment", exact=True).fill("Forget me")
    page.get_by_role("checkbox", name="Remember my name and email on this device").uncheck()
    page.get_by_role("button", name="Post comment").click()
    expect(page.locator(".mc-pending")).to_have_count(2)
    page.reload()
    expect(page.locator(".mc-pending")).to_have_count(2)  # both still awaiting moderation
    expect(page.get_by_role("textbox", name="Name", exact=True)).to_have_value("")
    assert page.context.cookies() == []


def test_an_empty_form_says_what_is_missing_at_once(
    make_sites: Callable[..., Sites], page: Any
) -> None:
    sites = make_sites(MIN_FILL_SECONDS=30)
    page.goto(sites.publish("/empty", sites.snippet("empty")))
    page.get_by_role("button", name="Post comment").click()
    # No waiting out the fill time for a form that cannot be sent anyway.
    expect(page.locator("#body-error")).to_have_text("Please write a comment.", timeout=1500)
    assert "Sending" not in page.get_by_role("status").inner_text()


def test_character_counter_and_preview(make_sites: Callable[..., Sites], page: Any) -> None:
    sites = make_sites()
    page.goto(sites.publish("/typing", sites.snippet("typing")))
    body = page.get_by_role("textbox", name="Comment", exact=True)
    body.fill("A *short* one")
    counter = page.locator(".mc-counter")
    expect(counter).to_be_hidden()
    body.fill("x" * 9_500)
    expect(counter).to_have_text("500 characters left")
    body.fill("A *previewed* comment")
    page.get_by_role("button", name="Preview").click()
    expect(page.locator(".mc-preview em")).to_have_text("previewed")
    expect(body).to_be_hidden()
    page.get_by_role("button", name="Preview").click()
    expect(body).to_be_visible()


# --- feeds ----------------------------------------------------------------------------


def test_the_feed_links_lead_to_valid_atom(make_sites: Callable[..., Sites], page: Any) -> None:
    sites = make_sites()
    add_comment(sites.app, "fed", "Worth a feed", name="Feeder")
    page.goto(sites.publish("/fed", sites.snippet("fed")))
    link = page.get_by_role("link", name="Comments feed")
    href = link.get_attribute("href")
    # In the widget's language (the blog page's, here English), like the widget itself.
    assert href == f"{sites.url}/feeds/articles/fed.atom?lang=en"
    feed = feedparser.parse(page.request.get(href).body())
    assert not feed.bozo and feed.entries[0].author == "Feeder"
    page.goto(f"{sites.url}/embed/fed")
    alternate = page.locator('link[rel="alternate"][type="application/atom+xml"]')
    assert alternate.get_attribute("href") == "/feeds/articles/fed.atom"


# --- when the widget cannot load ------------------------------------------------------


def test_load_failures_say_which(make_sites: Callable[..., Sites], page: Any) -> None:
    strict = make_sites(AUTO_CREATE_ARTICLES=False)
    page.goto(strict.publish("/unknown", strict.snippet("no-such-article")))
    expect(page.locator(".mc-load-error")).to_contain_text("no such article")
    page.goto(strict.publish("/invalid", strict.snippet("not an id")))
    expect(page.locator(".mc-load-error")).to_have_count(1)

    closed = make_sites(ALLOWED_ORIGINS=[])
    warnings: list[str] = []
    page.on("console", lambda m: warnings.append(m.text) if m.type == "warning" else None)
    page.goto(closed.publish("/foreign", closed.snippet("foreign")))
    expect(page.locator(".mc-load-error")).to_contain_text("MODERATION_ALLOWED_ORIGINS")
    page.wait_for_timeout(100)
    assert any(closed.blog_url in w and "MODERATION_ALLOWED_ORIGINS" in w for w in warnings)

    # The service is down: nothing can be said in the reader's language, so the blog's own
    # fallback text stays in sight, and the console says why.
    sites = make_sites()
    url = sites.publish(
        "/down",
        '<div data-comments="down"><p>Comments need the comment service.</p></div>' + "",
    )
    page.route("**/embed/down/fragment*", lambda route: route.abort("connectionrefused"))
    warnings.clear()
    page.goto(url)
    expect(page.get_by_text("Comments need the comment service.")).to_be_visible()
    page.wait_for_timeout(100)
    assert any("not reachable" in w for w in warnings)


# --- accessibility and looks ----------------------------------------------------------


def test_no_axe_violations_with_the_new_controls(
    make_sites: Callable[..., Sites], page: Any
) -> None:
    sites = make_sites(PAGE_SIZE=1)
    add_comment(sites.app, "a11y", "An older one")
    add_comment(sites.app, "a11y", "A newer one")
    page.goto(sites.publish("/a11y", sites.snippet("a11y")))
    post(page, "My own")  # with Edit and Delete, the remember box, the paging link
    expect(page.get_by_role("link", name="Show older comments")).to_have_count(1)
    assert axe_violations(page) == []
    page.get_by_role("link", name="Show older comments").click()
    expect(page.locator(".mc-thread > li")).to_have_count(3)
    page.locator(".mc-pending").get_by_role("button", name="Edit").click()
    assert axe_violations(page) == []


@pytest.mark.skipif(
    not os.environ.get("MODERATION_SCREENSHOTS"), reason="set MODERATION_SCREENSHOTS=1"
)
@pytest.mark.parametrize(
    ("look", "style", "theme"),
    [
        ("native", "background: #1d1b26; color: #ece6d8; font-family: Georgia, serif;", ""),
        ("light", "background: #f3efe6;", "light"),
        ("dark", "background: #f3efe6;", "dark"),
    ],
)
def test_screenshots_of_the_three_looks(
    make_sites: Callable[..., Sites], page: Any, look: str, style: str, theme: str
) -> None:
    """Writes docs/widget-LOOK.png, the pictures the README shows."""
    sites = make_sites()
    first = add_comment(sites.app, "looks", "The scene with the balloon got me.", name="Hana")
    add_comment(sites.app, "looks", "Same here, **every time**.", name="Marco", parent_id=first)
    attribute = f' data-theme="{theme}"' if theme else ""
    page.set_viewport_size({"width": 720, "height": 900})
    page.goto(
        sites.publish(
            f"/{look}",
            f"<style>body {{ {style} margin: 2rem; }}</style>"
            f'<div data-comments="looks" data-title="Looks"{attribute}></div>',
        )
    )
    expect(page.locator(".mc-thread li[id]")).to_have_count(2)
    page.screenshot(path=str(DOCS / f"widget-{look}.png"), full_page=True)


def test_no_axe_violations_on_the_no_js_page_for_ones_own_comment(
    make_sites: Callable[..., Sites], axe_context: Any
) -> None:
    from flask import current_app

    from moderation.comments.own import issue_edit_token

    sites = make_sites()
    page = axe_context.new_page()
    page.goto(f"{sites.url}/embed/mine-a11y")
    post(page, "Mine, without the script")
    with sites.app.app_context():
        comment = db.session.scalar(db.select(Comment))
        assert comment is not None
        token = issue_edit_token(current_app.config["SECRET_KEY"], comment)
    page.goto(f"{sites.url}/embed/mine-a11y/mine?edit={token}")
    expect(page.get_by_role("button", name="Save")).to_be_visible()
    assert axe_violations(page) == []
    page.get_by_role("textbox", name="Comment").fill("")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".mc-error")).to_have_count(1)
    assert axe_violations(page) == []
    page.close()


def test_data_sort_overrides_the_owners_order_per_widget(
    make_sites: Callable[..., Sites], page: Any
) -> None:
    sites = make_sites(COMMENT_SORT="oldest")
    for n in range(3):
        add_comment(sites.app, "sorted", f"Comment number {n}")
    page.goto(
        sites.publish(
            "/sorted",
            '<div id="newest" data-comments="sorted" data-sort="newest"></div>'
            '<div id="owner" data-comments="sorted"></div>',
        )
    )
    newest = page.locator("#newest .mc-thread > li > header + div")
    owner = page.locator("#owner .mc-thread > li > header + div")
    expect(newest).to_have_count(3)
    expect(owner).to_have_count(3)
    assert newest.all_inner_texts() == [f"Comment number {n}" for n in (2, 1, 0)]
    assert owner.all_inner_texts() == [f"Comment number {n}" for n in (0, 1, 2)]


def test_an_edited_comment_is_marked_pending_without_its_published_replies(
    make_sites: Callable[..., Sites], page: Any
) -> None:
    from .test_browser_widget import approve_all

    sites = make_sites()
    page.goto(sites.publish("/replied", sites.snippet("replied")))
    post(page, "First words")
    approve_all(sites.app)
    first = stored(sites)[0].id
    reply = add_comment(sites.app, "replied", "A published answer", parent_id=first)
    page.reload()
    mine = page.locator(f"#comment-{first}")
    mine.get_by_role("button", name="Edit").click()
    mine.get_by_role("textbox", name="Editing your comment").fill("Second words")
    mine.get_by_role("button", name="Save").click()
    expect(page.locator(f"#comment-{first}.mc-pending")).to_contain_text("awaiting moderation")
    answer = page.locator(f"#comment-{reply}")
    expect(answer).to_contain_text("A published answer")
    # The dashed mark of a comment awaiting moderation is drawn along the edited
    # comment's own parts, and around nothing that holds the published reply.
    marks = answer.evaluate(
        """reply => {
          const dashed = (e) => ["Top", "Right", "Bottom", "Left"].some(
            (side) => getComputedStyle(e)["border" + side + "Style"] === "dashed");
          const around = [];
          for (let e = reply.parentElement; e; e = e.parentElement) {
            if (dashed(e)) around.push(e.tagName + "#" + e.id);
          }
          const edited = reply.closest("li.mc-pending");
          const own = [...edited.children].filter((c) => c.tagName !== "OL" && dashed(c));
          return { around, own: own.map((c) => c.tagName) };
        }"""
    )
    assert marks["around"] == [], marks
    assert "HEADER" in marks["own"] and "DIV" in marks["own"], marks
