"""Hostile comments run no script, and axe-core finds no accessibility violation."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask, abort
from playwright.sync_api import expect

from moderation import comments as domain
from moderation.extensions import db

from .helpers import axe_violations

pytestmark = pytest.mark.browser


PAYLOADS = [
    "<script>window.__xss = 1</script>",
    '<img src=x onerror="window.__xss = 2">',
    '<svg onload="window.__xss = 3"><circle r=1></svg>',
    '"><script>window.__xss = 4</script>',
    "'><img src=x onerror=window.__xss=5>",
    "</textarea><script>window.__xss = 6</script>",
    '</ol></section><iframe srcdoc="<script>parent.__xss = 7</script>"></iframe>',
    '<a href="javascript:window.__xss = 8">click me</a>',
    "[click me](javascript:window.__xss=9)",
    '<div style="background:url(javascript:window.__xss=10)" onmouseover="window.__xss=11">',
    "<b onclick=alert(1)>unclosed <i <u",
    '<details open ontoggle="window.__xss = 12">',
    "<math><mtext><table><mglyph><style><img src=x onerror=window.__xss=13>",
]
WEBSITES = [
    "javascript:window.__xss=20",
    'https://ok.example/"><script>window.__xss=21</script>',
    "data:text/html,<script>alert(1)</script>",
]


def blog_page(live_server_factory: Callable[..., Any], html: str) -> str:
    blog = Flask(__name__)

    @blog.get("/")
    def index() -> str:
        return html

    @blog.get("/<path:path>")
    def other(path: str) -> str:
        abort(404)

    return str(live_server_factory(blog).url) + "/"


@pytest.fixture
def service(
    make_app: Callable[..., Flask], live_server_factory: Callable[..., Any]
) -> Iterator[tuple[Flask, str]]:
    # The blog will live on another port of 127.0.0.1; allow any, the test is about XSS.
    app = make_app(ALLOWED_ORIGINS=["*"])
    yield app, live_server_factory(app).url


def snippet(service_url: str, article_id: str) -> str:
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Blog</title></head>'
        f'<body><main><h1>A post</h1><div data-comments="{article_id}"></div></main>'
        f'<script src="{service_url}/embed.js" async></script></body></html>'
    )


def store_hostile_comments(app: Flask, article_id: str) -> int:
    """Approved comments with the payloads in every field a reader controls."""
    with app.app_context():
        article = domain.create_article(article_id, title="<script>window.__xss=30</script>")
        count = 0
        for index, payload in enumerate(PAYLOADS):
            website = WEBSITES[index % len(WEBSITES)]
            comment = domain.submit_comment(
                article,
                # Straight through the domain: the website is not validated here, as if
                # it came from an import; the templates must still make it harmless.
                domain.Submission(
                    name=payload[:100], email="x@example.org", website=website, body=payload
                ),
            )
            domain.approve(comment)
            count += 1
        db.session.commit()
        return count


NO_SCRIPT_LINKS = """() => {
  const links = [];
  const walk = (root) => root.querySelectorAll('*').forEach((el) => {
    if (el.href !== undefined && typeof el.href === 'string') links.push(el.href);
    if (el.getAttribute && el.getAttribute('src')) links.push(el.getAttribute('src'));
    for (const attr of el.attributes || []) if (/^on/i.test(attr.name)) links.push(attr.name);
    if (el.shadowRoot) walk(el.shadowRoot);
  });
  walk(document);
  return links.filter((l) => /^(javascript|data):|^on/i.test(l));
}"""


def assert_no_script_ran(page: Any, dialogs: list[str]) -> None:
    # Give any late handler (image errors, toggles) time to fire.
    page.wait_for_timeout(300)
    for frame in page.frames:
        assert frame.evaluate("window.__xss") is None, frame.url
    assert dialogs == []


def test_hostile_comments_run_no_script_in_the_widget_or_the_embed_page(
    service: tuple[Flask, str], live_server_factory: Callable[..., Any], page: Any
) -> None:
    app, url = service
    count = store_hostile_comments(app, "hostile")
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))

    page.goto(blog_page(live_server_factory, snippet(url, "hostile")))
    comments = page.locator(".mc-thread li[id]")
    expect(comments).to_have_count(count)
    assert "<script>window.__xss = 1</script>" in comments.first.inner_text()  # shown as text
    assert_no_script_ran(page, dialogs)
    assert page.evaluate(NO_SCRIPT_LINKS) == []
    for link in page.locator("header + div a, header > b > a").all():
        link.hover()  # mouse handlers, had any survived
    assert_no_script_ran(page, dialogs)

    # A reader posts a payload: the pending copy they see is the server's rendering too.
    page.get_by_role("textbox", name="Comment", exact=True).fill(PAYLOADS[1] + PAYLOADS[2])
    page.get_by_role("textbox", name="Name", exact=True).fill(PAYLOADS[0][:100])
    page.get_by_role("textbox", name="Email", exact=True).fill("evil@example.org")
    page.get_by_role("textbox", name="Website").fill("https://ok.example/?q=<b>")
    page.get_by_role("button", name="Post comment").click()
    expect(page.locator(".mc-pending")).to_contain_text("onerror")
    assert_no_script_ran(page, dialogs)

    page.goto(f"{url}/embed/hostile")
    expect(page.locator(".mc-thread li[id]")).to_have_count(count)
    assert_no_script_ran(page, dialogs)
    assert page.evaluate(NO_SCRIPT_LINKS) == []
    for link in page.locator("header + div a").all():
        link.click()  # plain links only: nothing to run
    assert_no_script_ran(page, dialogs)


# --- accessibility ----------------------------------------------------------------


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_widget_and_embed_page_have_no_axe_violations(
    service: tuple[Flask, str],
    live_server_factory: Callable[..., Any],
    axe_context: Any,
    scheme: str,
) -> None:
    app, url = service
    with app.app_context():
        article = domain.create_article("accessible", title="Accessible")
        top = domain.submit_comment(
            article,
            domain.Submission(
                "Ann", "ann@example.org", "https://ann.example", "A **fine** film", None
            ),
        )
        domain.approve(top)
        db.session.flush()
        reply = domain.submit_comment(
            article, domain.Submission("Bo", "bo@example.org", "", "> quoted\n\nAgreed.", top.id)
        )
        domain.approve(reply)
        db.session.commit()
    page = axe_context.new_page()
    page.set_default_timeout(10_000)
    page.emulate_media(color_scheme=scheme)

    page.goto(blog_page(live_server_factory, snippet(url, "accessible")))
    expect(page.locator(".mc-thread li[id]")).to_have_count(2)
    assert axe_violations(page) == []
    # With the reply form open and every field in error.
    page.get_by_role("button", name="Reply to Ann").click()
    page.get_by_role("button", name="Post comment").click()
    expect(page.locator(".mc-error")).to_have_count(3)
    assert axe_violations(page) == []
    # After a successful post: the pending comment and the notice.
    page.get_by_role("textbox", name="Comment", exact=True).fill("Me too")
    page.get_by_role("textbox", name="Name", exact=True).fill("Cy")
    page.get_by_role("textbox", name="Email", exact=True).fill("cy@example.org")
    page.get_by_role("button", name="Post comment").click()
    expect(page.locator(".mc-pending")).to_have_count(1)
    assert axe_violations(page) == []

    page.goto(f"{url}/embed/accessible")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Post comment").click()
    expect(page.locator(".mc-error")).to_have_count(3)
    assert axe_violations(page) == []
    page.close()
