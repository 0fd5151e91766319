"""Korean and Arabic in a real browser: the text translated, Arabic laid out right to left
(the layout measured, and a screenshot in docs/), and axe-core satisfied in both."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import expect

from .helpers import axe_violations
from .test_browser_widget import Sites, add_comment, make_sites  # noqa: F401 (a fixture)
from .test_dashboard_browser import EMAIL, PASSWORD, THREE, seed

pytestmark = pytest.mark.browser

DOCS = Path(__file__).resolve().parent.parent / "docs"


def screenshot(page: Any, name: str, tmp_path: Path, **options: Any) -> None:
    """A screenshot, kept in docs/ when ``MODERATION_SCREENSHOTS`` is set."""
    target = DOCS / name if os.environ.get("MODERATION_SCREENSHOTS") else tmp_path / name
    target.parent.mkdir(exist_ok=True)
    page.screenshot(path=str(target), **options)
    assert target.stat().st_size > 10_000


def log_in(page: Any, url: str, button: str) -> None:
    page.goto(f"{url}/moderation/")
    page.locator("#email").fill(EMAIL)
    page.locator("#password").fill(PASSWORD)
    page.get_by_role("button", name=button).click()
    page.wait_for_url(f"{url}/moderation/")


def box(page: Any, selector: str) -> dict[str, float]:
    found = page.locator(selector).first.bounding_box()
    assert found is not None, selector
    return dict(found)


@pytest.mark.parametrize(
    ("locale", "button", "heading", "rtl"),
    [
        ("ko-KR", "로그인", "관리 대기열", False),
        ("ar", "تسجيل الدخول", "قائمة انتظار الإشراف", True),
    ],
)
def test_the_dashboard_in_korean_and_in_arabic(
    make_app: Callable[..., Flask],
    live_server_factory: Callable[..., Any],
    browser: Any,
    tmp_path: Path,
    locale: str,
    button: str,
    heading: str,
    rtl: bool,
) -> None:
    app = make_app()
    seed(app, THREE)
    server = live_server_factory(app)
    context = browser.new_context(
        locale=locale, bypass_csp=True, viewport={"width": 1100, "height": 800}
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    log_in(page, server.url, button)
    assert page.locator("h1.vh").text_content() == heading
    assert page.evaluate("getComputedStyle(document.body).direction") == ("rtl" if rtl else "ltr")
    # Mirrored: the brand starts the bar on the right, the item's colour bar is on the right.
    brand, logout = box(page, ".brand"), box(page, ".logout")
    assert (brand["x"] > logout["x"]) is rtl
    item = box(page, ".item")
    border = page.evaluate(
        "getComputedStyle(document.querySelector('.item'))."
        + ("borderRightWidth" if rtl else "borderLeftWidth")
    )
    assert border == "4px", (locale, border, item)
    assert axe_violations(page) == []
    screenshot(page, f"dashboard-{locale.split('-')[0]}.png", tmp_path, full_page=True)
    context.close()


# --- the widget on a blog -------------------------------------------------------------


def blog_page(sites: Sites, path: str, body: str, html_lang: str) -> str:
    """A static blog page in a language of its own (``<html lang>``)."""
    sites.pages[path] = (
        f'<!doctype html><html lang="{html_lang}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>A blog</title></head><body><main><h1>A blog post</h1>{body}</main>"
        f"{sites.script()}</body></html>"
    )
    return sites.blog_url + path


def widget(page: Any, selector: str) -> Any:
    """A part of the widget, in its shadow root (Playwright's CSS looks inside)."""
    return page.locator(f"[data-comments] {selector}").first


def test_the_widget_speaks_the_blog_pages_language(
    make_sites: Callable[..., Sites],  # noqa: F811 (the fixture imported above)
    browser: Any,
    tmp_path: Path,
) -> None:
    sites = make_sites()
    add_comment(sites.app, "cell-7", "아빠와 딸의 이야기가 정말 감동적이었어요.", name="지은")
    add_comment(sites.app, "cell-7", "마지막 장면에서 울었습니다.", name="민수")
    url = blog_page(
        sites,
        "/ko",
        sites.snippet("cell-7", title="7번방의 선물")
        + '<p><a data-comments-count="cell-7" href="#">comments</a></p>',
        "ko",
    )
    # The reader's browser asks for English; the page says Korean, and that wins.
    context = browser.new_context(locale="en-US", bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(url)
    expect(widget(page, ".mc-count")).to_contain_text("댓글 2개")
    expect(page.locator("[data-comments-count]")).to_have_text("댓글 2개")
    expect(widget(page, "h3")).to_contain_text("댓글 남기기")
    expect(widget(page, "button[type=submit]")).to_have_text("댓글 달기")
    expect(widget(page, "time").first).not_to_have_text("")
    assert widget(page, ".mc-widget").get_attribute("lang") == "ko"
    # What the widget's script says comes from the server too: the checks before sending.
    widget(page, "button[type=submit]").click()
    expect(widget(page, "#body-error")).to_have_text("댓글을 써 주세요.")
    assert axe_violations(page) == []
    screenshot(page, "widget-ko.png", tmp_path, full_page=True)
    context.close()


def test_the_widget_in_arabic_reads_right_to_left(
    make_sites: Callable[..., Sites],  # noqa: F811 (the fixture imported above)
    browser: Any,
    tmp_path: Path,
) -> None:
    sites = make_sites()
    add_comment(sites.app, "cell-7", "قصة مؤثرة عن أب وابنته.", name="ليلى")
    reply = add_comment(sites.app, "cell-7", "أوافقك الرأي تمامًا.", name="عمر")
    del reply
    snippet = sites.snippet("cell-7", title="معجزة في الزنزانة رقم 7").replace(
        "<div data-comments", '<div data-lang="ar" data-comments'
    )
    url = blog_page(sites, "/ar", snippet, "en")
    context = browser.new_context(
        locale="en-US", bypass_csp=True, viewport={"width": 900, "height": 900}
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(url)
    expect(widget(page, ".mc-count")).to_contain_text("تعليقان")
    section = widget(page, ".mc-widget")
    assert section.get_attribute("dir") == "rtl" and section.get_attribute("lang") == "ar"
    assert section.evaluate("el => getComputedStyle(el).direction") == "rtl"
    # Mirrored: the avatar stands right of the name, the form's labels start on the right.
    avatar = widget(page, ".mc-thread header > svg, .mc-thread header > img").bounding_box()
    name = widget(page, ".mc-thread header > b").bounding_box()
    assert avatar is not None and name is not None
    assert avatar["x"] > name["x"]
    label = widget(page, "label[for$='mc-name']").bounding_box()
    field = widget(page, "input[name=name]").bounding_box()
    assert label is not None and field is not None
    assert abs((label["x"] + label["width"]) - (field["x"] + field["width"])) < 2
    assert axe_violations(page) == []
    screenshot(page, "widget-ar.png", tmp_path, full_page=True)
    context.close()
