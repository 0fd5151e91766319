"""Korean and Arabic in a real browser: the text translated, Arabic laid out right to left
(the layout measured, and a screenshot in docs/), and axe-core satisfied in both."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from .helpers import axe_violations
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
