"""The script widget in Chromium: a blog on one origin, the comment service on another."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from flask import Flask, abort
from playwright.sync_api import expect

from moderation import comments as domain
from moderation.comments.models import Comment, Status
from moderation.extensions import db

pytestmark = pytest.mark.browser

READER_EMAIL = "reader-7c1e@example.org"


@dataclass
class Sites:
    """The comment service (``app``, ``url``) and a static blog on another origin."""

    app: Flask
    url: str
    blog_url: str
    pages: dict[str, str] = field(default_factory=dict)

    def snippet(self, article_id: str, title: str = "A film review") -> str:
        return (
            f'<div data-comments="{article_id}" data-title="{title}"></div>'
            f'<noscript><iframe src="{self.url}/embed/{article_id}" title="Comments"'
            ' style="width:100%;height:40rem;border:0"></iframe></noscript>'
        )

    def script(self) -> str:
        return f'<script src="{self.url}/embed.js" async></script>'

    def publish(self, path: str, body: str) -> str:
        """Put a static HTML page on the blog; returns its URL."""
        self.pages[path] = (
            '<!doctype html><html lang="en"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>A blog</title></head><body><main><h1>A blog post</h1>{body}</main>"
            f"{self.script()}</body></html>"
        )
        return self.blog_url + path


def blog_server(live_server_factory: Callable[..., Any], pages: dict[str, str]) -> Any:
    blog = Flask(__name__)

    @blog.get("/<path:path>")
    @blog.get("/", defaults={"path": ""})
    def serve(path: str) -> str:
        if "/" + path not in pages:
            abort(404)
        return pages["/" + path]

    return live_server_factory(blog)


@pytest.fixture
def make_sites(
    make_app: Callable[..., Flask], live_server_factory: Callable[..., Any]
) -> Iterator[Callable[..., Sites]]:
    def factory(**config: Any) -> Sites:
        pages: dict[str, str] = {}
        blog = blog_server(live_server_factory, pages)
        config.setdefault("ALLOWED_ORIGINS", [blog.url])
        app = make_app(**config)
        server = live_server_factory(app)
        return Sites(app, server.url, blog.url, pages)

    yield factory


def add_comment(app: Flask, article_id: str, body: str, **kwargs: Any) -> int:
    """An approved comment, stored through the domain."""
    with app.app_context():
        article = domain.get_article(article_id) or domain.create_article(article_id)
        comment = domain.submit_comment(
            article,
            domain.Submission(
                name=kwargs.pop("name", "Earlier Reader"),
                email=kwargs.pop("email", "earlier@example.org"),
                website=kwargs.pop("website", ""),
                body=body,
                parent_id=kwargs.pop("parent_id", None),
            ),
        )
        domain.approve(comment)
        db.session.commit()
        return comment.id


def approve_all(app: Flask) -> None:
    with app.app_context():
        for comment in db.session.scalars(db.select(Comment)):
            domain.approve(comment)
        db.session.commit()


def whole_dom(page: Any) -> str:
    """The page's HTML with every open shadow root's HTML, and every field's value."""
    return str(
        page.evaluate(
            """() => {
              const parts = [document.documentElement.outerHTML];
              const walk = (root) => root.querySelectorAll('*').forEach((el) => {
                if ('value' in el && typeof el.value === 'string') parts.push(el.value);
                if (el.shadowRoot) { parts.push(el.shadowRoot.innerHTML); walk(el.shadowRoot); }
              });
              walk(document);
              return parts.join('\\n');
            }"""
        )
    )


def fill(page: Any, body: str, name: str = "Blog Reader", email: str = READER_EMAIL) -> None:
    page.get_by_role("textbox", name="Comment", exact=True).fill(body)
    page.get_by_role("textbox", name="Name", exact=True).fill(name)
    page.get_by_role("textbox", name="Email", exact=True).fill(email)


def shadow_focus(page: Any, host: str = "[data-comments]") -> str:
    """What has the keyboard focus inside the widget: e.g. 'TEXTAREA body'."""
    return str(
        page.evaluate(
            """(host) => {
              const el = document.querySelector(host).shadowRoot.activeElement;
              return el ? `${el.tagName} ${el.name || el.className || el.textContent.trim()}` : '';
            }""",
            host,
        )
    )


# --- the reader's whole journey ---------------------------------------------------


def test_reader_posts_from_another_origin_and_sees_it_after_approval(
    make_sites: Callable[..., Sites], page: Any
) -> None:
    sites = make_sites()
    url = sites.publish(
        "/post",
        '<p><a href="#c" data-comments-count="review">comments</a></p>' + sites.snippet("review"),
    )
    responses: list[Any] = []
    tokens: list[Any] = []
    page.on("response", lambda response: responses.append(response))
    page.on("response", lambda r: tokens.append(r) if "/form-token" in r.url else None)
    seen: list[str] = []

    def read_responses() -> None:
        """Every answer's body and headers so far (bodies are gone after a reload)."""
        while responses:
            response = responses.pop()
            body = b"" if 300 <= response.status < 400 else response.body()
            seen.append(f"{response.url} {response.all_headers()} {body!r}")

    page.goto(url)
    expect_text(page, ".mc-count", "0 comments")
    expect_text(page, "[data-comments-count]", "0 comments")
    fill(page, "The *cell* scenes made me laugh and cry.")
    page.get_by_role("button", name="Post comment").click()

    status = page.get_by_role("status")
    expect_text(page, "[role=status]", "awaiting moderation")
    assert "awaiting moderation" in status.inner_text()
    mine = page.locator(".mc-pending")
    assert "The cell scenes made me laugh and cry." in mine.inner_text()
    assert "awaiting moderation" in mine.locator(".mc-badge").inner_text()
    assert mine.locator("em").inner_text() == "cell"  # the server's rendering
    assert page.url == url  # no reload

    with sites.app.app_context():
        stored = db.session.scalar(db.select(Comment))
        assert stored is not None and stored.status is Status.PENDING
        assert stored.email == READER_EMAIL and stored.article.title == "A film review"
    # Once a comment is sent the widget takes a new form token: its answer must be in
    # before the reload, which would take away the body of an answer still coming.
    for _ in range(200):
        if len(tokens) >= 2:
            break
        page.wait_for_timeout(50)
    assert len(tokens) == 2
    read_responses()
    approve_all(sites.app)

    page.reload()
    expect_text(page, ".mc-count", "1 comment")
    published = page.locator(".mc-thread li[id]")
    assert published.count() == 1 and page.locator(".mc-pending").count() == 0
    assert "Blog Reader" in published.inner_text()
    # The commenter's first (here only) comment draws their avatar, in the shadow root.
    drawn = page.evaluate(
        """() => {
          const root = document.querySelector("[data-comments]").shadowRoot;
          const svg = root.querySelector(".mc-thread header > svg[id]");
          const box = svg.getBoundingClientRect();
          return [svg.querySelector("path[stroke]").getAttribute("d"), box.width];
        }"""
    )
    assert drawn[0] and drawn[0].startswith("M") and drawn[1] > 20
    expect_text(page, "[data-comments-count]", "1 comment")

    # The reader's browser remembers their email for their own form, and only there.
    email_field = page.get_by_role("textbox", name="Email", exact=True)
    expect(email_field).to_have_value(READER_EMAIL)
    email_field.fill("")
    assert READER_EMAIL not in whole_dom(page)
    read_responses()
    # The blog page, embed.js, fragment, form token, CSS, counts (twice), the post.
    assert len(seen) >= 12
    assert any("/comments" in text and "awaiting moderation" in text for text in seen)
    for text in seen:
        assert READER_EMAIL not in text


def expect_text(page: Any, selector: str, text: str) -> None:
    """Wait until the element (found through shadow roots) shows the text."""
    expect(page.locator(selector).first).to_contain_text(text)


def test_field_errors_show_inline_next_to_their_fields(
    make_sites: Callable[..., Sites], page: Any
) -> None:
    sites = make_sites()
    page.goto(sites.publish("/post", sites.snippet("errors")))
    button = page.get_by_role("button", name="Post comment")
    button.click()
    expect_text(page, "#body-error", "Please write a comment.")
    body = page.get_by_role("textbox", name="Comment", exact=True)
    assert body.get_attribute("aria-invalid") == "true"
    assert body.get_attribute("aria-describedby") == "body-error"
    assert page.locator("#name-error").inner_text() == "Please enter your name."
    assert page.locator("#email-error").inner_text() == "Please enter your email address."
    assert page.locator("#website-error").count() == 0
    assert "correct the marked fields" in page.get_by_role("status").inner_text()
    assert shadow_focus(page) == "TEXTAREA body"  # the first field to fix

    fill(page, "Now with text", email="not-an-email")
    page.get_by_role("textbox", name="Website").fill("javascript:alert(1)")
    button.click()
    expect_text(page, "#email-error", "valid email")
    # The browser tells the email at once; old errors are cleared.
    assert page.locator(".mc-error").count() == 1
    assert body.get_attribute("aria-invalid") is None
    assert shadow_focus(page) == "INPUT email"
    # The server still decides: it refuses the address the browser let through.
    page.get_by_role("textbox", name="Email", exact=True).fill(READER_EMAIL)
    button.click()
    expect_text(page, "#website-error", "http://")
    assert page.locator(".mc-error").count() == 1
    with sites.app.app_context():
        assert db.session.scalar(db.select(Comment)) is None


def test_reply_by_keyboard_nests_the_pending_reply_up_to_the_maximum_depth(
    make_sites: Callable[..., Sites], page: Any
) -> None:
    sites = make_sites(MAX_THREAD_DEPTH=2)
    top = add_comment(sites.app, "thread", "Top-level thought", name="Ann")
    add_comment(sites.app, "thread", "Second-level answer", name="Bo", parent_id=top)
    page.goto(sites.publish("/post", sites.snippet("thread")))
    expect_text(page, ".mc-count", "2 comments")
    # Depth 2 is the maximum: only the top-level comment can be answered.
    assert page.locator("button[name=reply_to]").count() == 1

    reply = page.get_by_role("button", name="Reply to Ann")
    reply.focus()
    page.keyboard.press("Enter")
    # The first reply may wait for the widget's second part to load.
    expect(page.locator(f"#comment-{top} > form")).to_have_count(1)
    assert shadow_focus(page) == "TEXTAREA body"
    assert "Leave a reply to Ann" in page.locator(".mc-form h3").inner_text()
    assert page.locator(f"#comment-{top} > form").count() == 1  # under the comment

    # Cancel by keyboard puts the form back and the focus on the Reply button.
    page.get_by_role("link", name="Cancel reply").focus()
    page.keyboard.press("Enter")
    assert page.locator(f"#comment-{top} > form").count() == 0
    assert page.locator(".mc-form h3 .mc-replying").is_hidden()
    assert shadow_focus(page).startswith("BUTTON")

    page.keyboard.press("Enter")
    page.keyboard.type("A reply typed at the keyboard")
    page.keyboard.press("Tab")
    page.keyboard.type("Keyboard Kim")
    page.keyboard.press("Tab")
    page.keyboard.type("kim@example.org")
    page.keyboard.press("Enter")  # submits the form
    expect_text(page, "[role=status]", "awaiting moderation")
    pending = page.locator(f"#comment-{top} > ol > li.mc-pending")
    assert "A reply typed at the keyboard" in pending.inner_text()
    assert page.locator(f"#comment-{top} > form").count() == 0  # the form went home
    with sites.app.app_context():
        stored = db.session.scalar(db.select(Comment).where(Comment.author_name == "Keyboard Kim"))
        assert stored is not None and stored.parent_id == top


def test_a_fast_reader_waits_for_the_minimum_fill_time_instead_of_an_error(
    make_sites: Callable[..., Sites], page: Any
) -> None:
    sites = make_sites(MIN_FILL_SECONDS=1.5)
    page.goto(sites.publish("/post", sites.snippet("quick")))
    started = time.monotonic()
    fill(page, "Typed in a hurry")
    page.get_by_role("button", name="Post comment").click()
    expect_text(page, "[role=status]", "awaiting moderation")
    assert time.monotonic() - started >= 1.0
    assert page.locator(".mc-error").count() == 0


def test_an_expired_form_is_renewed_and_sent_without_bothering_the_reader(
    make_sites: Callable[..., Sites], page: Any
) -> None:
    sites = make_sites(FORM_TOKEN_MAX_AGE=1)
    page.goto(sites.publish("/post", sites.snippet("slow")))
    fill(page, "Written slowly, over a cup of tea")
    page.wait_for_timeout(2100)  # the token handed out with the widget is now too old
    page.get_by_role("button", name="Post comment").click()
    expect_text(page, "[role=status]", "awaiting moderation")
    assert page.locator(".mc-error").count() == 0


def test_a_refusal_of_the_whole_post_is_shown_in_the_status(
    make_sites: Callable[..., Sites], page: Any
) -> None:
    sites = make_sites()
    add_comment(sites.app, "closing", "Before closing")
    page.goto(sites.publish("/post", sites.snippet("closing")))
    fill(page, "Too late")
    with sites.app.app_context():
        article = domain.get_article("closing")
        assert article is not None
        domain.close_article(article, True)
        db.session.commit()
    page.get_by_role("button", name="Post comment").click()
    expect_text(page, "[role=status]", "Comments are closed for this article.")
    assert page.locator(".mc-pending").count() == 0


def test_several_widgets_and_counts_on_one_page(
    make_sites: Callable[..., Sites], page: Any
) -> None:
    sites = make_sites()
    add_comment(sites.app, "first", "On the first post")
    add_comment(sites.app, "second", "On the second post")
    add_comment(sites.app, "second", "Also on the second")
    index = "".join(
        f'<p>{name}: <span data-comments-count="{name}">…</span></p>'
        for name in ("first", "second", "never-commented")
    )
    page.goto(
        sites.publish(
            "/", index + sites.snippet("first", "First") + sites.snippet("second", "Second")
        )
    )
    expect_text(page, "[data-comments-count=second]", "2 comments")
    counts = page.locator("[data-comments-count]").all_inner_texts()
    assert counts == ["1 comment", "2 comments", "0 comments"]
    first, second = page.locator("[data-comments]").all()
    expect_text(page, "[data-comments=second] .mc-thread", "Also on the second")
    expect_text(page, "[data-comments=first] .mc-thread", "On the first post")
    assert first.locator(".mc-thread li[id]").all_inner_texts()[0].count("post") == 1
    assert second.locator(".mc-thread li[id]").count() == 2

    second.get_by_role("textbox", name="Comment", exact=True).fill("Only for the second")
    second.get_by_role("textbox", name="Name", exact=True).fill("Two")
    second.get_by_role("textbox", name="Email", exact=True).fill("two@example.org")
    second.get_by_role("button", name="Post comment").click()
    expect_text(page, "[data-comments=second] [role=status]", "awaiting moderation")
    assert first.locator(".mc-pending").count() == 0
    with sites.app.app_context():
        stored = db.session.scalar(db.select(Comment).where(Comment.author_name == "Two"))
        assert stored is not None and stored.article_id == "second"


def test_permalinks_reach_into_the_widget(make_sites: Callable[..., Sites], page: Any) -> None:
    sites = make_sites()
    ids = [
        add_comment(sites.app, "long", f"Comment number {n}\n\n" + "Words. " * 80)
        for n in range(12)
    ]
    page.set_viewport_size({"width": 800, "height": 600})
    url = sites.publish("/long", sites.snippet("long", "Long"))
    page.goto(f"{url}#comment-{ids[-1]}")
    last = page.locator(f"#comment-{ids[-1]}")
    expect(last).to_be_in_viewport()
    page.evaluate("window.scrollTo(0, 0)")
    expect(last).not_to_be_in_viewport()
    page.locator(f"#comment-{ids[5]} > header > a").click()
    expect(page.locator(f"#comment-{ids[5]}")).to_be_in_viewport()
    assert page.evaluate("location.hash") == f"#comment-{ids[5]}"


# --- without the script -----------------------------------------------------------


def test_the_noscript_iframe_posts_too(make_sites: Callable[..., Sites], browser: Any) -> None:
    sites = make_sites()
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.goto(sites.publish("/post", sites.snippet("nojs")))
        frame = page.frame_locator("iframe")
        frame.get_by_role("textbox", name="Comment", exact=True).fill("No script at all")
        frame.get_by_role("textbox", name="Name", exact=True).fill("Plain Reader")
        frame.get_by_role("textbox", name="Email", exact=True).fill("plain@example.org")
        frame.get_by_role("button", name="Post comment").click()
        frame.get_by_text("awaiting moderation").wait_for()
        assert page.locator("[data-comments]").inner_html() == ""  # no widget ran
    finally:
        context.close()
    with sites.app.app_context():
        stored = db.session.scalar(db.select(Comment))
        assert stored is not None and stored.author_name == "Plain Reader"
        assert stored.status is Status.PENDING


def test_an_embed_iframe_grows_to_fit_its_comments(
    make_sites: Callable[..., Sites], page: Any
) -> None:
    sites = make_sites()
    for n in range(6):
        add_comment(sites.app, "tall", f"Comment {n}\n\nwith a second paragraph")
    page.goto(
        sites.publish(
            "/framed",
            f'<iframe src="{sites.url}/embed/tall" title="Comments"'
            ' style="width:100%;height:150px;border:0"></iframe>',
        )
    )
    page.wait_for_function("document.querySelector('iframe').offsetHeight > 600")
    frame = page.frame_locator("iframe")
    frame.get_by_text("Comment 5").wait_for()
    inner = page.frames[1]
    assert inner.evaluate("document.documentElement.scrollHeight <= window.innerHeight"), (
        "the iframe still scrolls"
    )


# --- the demo ---------------------------------------------------------------------


def test_the_demo_page_works_on_the_default_same_origin_setup(
    make_app: Callable[..., Flask], live_server_factory: Callable[..., Any], page: Any
) -> None:
    app = make_app(ALLOWED_ORIGINS=[])
    server = live_server_factory(app)
    page.goto(server.url + "/demo")
    assert "Miracle in Cell No. 7" in page.locator("h1").inner_text()
    expect_text(page, ".mc-count", "0 comments")
    expect_text(page, "[data-comments-count]", "0 comments")
    fill(page, "Seen it twice, cried twice.")
    page.get_by_role("button", name="Post comment").click()
    expect_text(page, "[role=status]", "awaiting moderation")
    with app.app_context():
        stored = db.session.scalar(db.select(Comment))
        assert stored is not None and stored.article_id == "miracle-in-cell-no-7"


# --- looks ------------------------------------------------------------------------


def test_theming_native_by_default_pinned_schemes_and_phone_width(
    make_sites: Callable[..., Sites], page: Any
) -> None:
    sites = make_sites()
    add_comment(sites.app, "themed", "A comment with a rather long " + "word" * 30)
    page.set_viewport_size({"width": 360, "height": 740})
    # A dark blog read on a system set to light: the widget must follow the blog.
    page.emulate_media(color_scheme="light")
    url = sites.publish(
        "/themed",
        "<style>body { background: rgb(20, 20, 30); color: rgb(230, 220, 200);"
        " font-family: Georgia, serif; } #accent { --mc-accent: rgb(1, 2, 3); }</style>"
        + sites.snippet("themed")
        + '<div id="dark" data-comments="themed" data-theme="dark"></div>'
        + '<div id="light" data-comments="themed" data-theme="light"></div>'
        + '<div id="accent" data-comments="themed"></div>',
    )
    page.goto(url)
    expect_text(page, "#accent .mc-count", "1 comment")

    def style(selector: str, prop: str) -> str:
        return str(
            page.locator(selector).first.evaluate("(el, prop) => getComputedStyle(el)[prop]", prop)
        )

    native = "[data-comments=themed]:not([data-theme]):not(#accent)"
    # By default: transparent, in the blog's font and colour, no coloured button.
    assert style(f"{native} .mc-widget", "backgroundColor") == "rgba(0, 0, 0, 0)"
    assert style(f"{native} .mc-widget", "color") == "rgb(230, 220, 200)"
    assert "Georgia" in style(f"{native} .mc-widget", "fontFamily")
    assert style(f"{native} button[type=submit]", "backgroundColor") == "rgba(0, 0, 0, 0)"
    assert style(f"{native} textarea", "color") == "rgb(230, 220, 200)"
    # data-theme pins a scheme of the widget's own, whatever the system says.
    assert style("#dark .mc-widget", "backgroundColor") == "rgb(13, 17, 23)"
    assert style("#light .mc-widget", "backgroundColor") == "rgb(255, 255, 255)"
    # The blog's custom properties still reach inside.
    assert style("#accent button[type=submit]", "borderTopColor") == "rgb(1, 2, 3)"
    # Readable on a phone: nothing wider than the screen, fields big enough not to zoom.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert style(f"{native} textarea", "fontSize") == "16px"
