"""What the widget fetches, over HTTP: the fragment, counts, the script and its assets."""

from __future__ import annotations

import gzip
import re
from collections.abc import Callable

from babel.dates import format_date
from flask import Flask
from flask.testing import FlaskClient

from moderation import comments as domain
from moderation.comments.models import Article, Comment, Status
from moderation.extensions import db

from .helpers import post_comment

FRAGMENT = "/embed/a-film-review/fragment"
BLOG = "http://blog.example"
BUDGET = 3 * 1024
# embed.js and widget.js, the part loaded on first use, together.
TOTAL_BUDGET = 8 * 1024


# --- the fragment -----------------------------------------------------------------


def test_fragment_is_the_comments_and_form_without_a_page_around_them(
    client: FlaskClient, make_comment: Callable[..., Comment]
) -> None:
    make_comment(Status.APPROVED, body="Shown in the fragment", name="Fay")
    make_comment(Status.PENDING, body="Still waiting")
    response = client.get(FRAGMENT)
    assert response.status_code == 200 and response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert "<html" not in html and "<head>" not in html and "<body" not in html
    assert "Shown in the fragment" in html and "Fay" in html
    assert "Still waiting" not in html
    assert "1 comment" in html and "Leave a reply" in html
    # Absolute URLs: the fragment is shown inside someone else's page.
    assert 'action="http://localhost/embed/a-film-review#leave-reply"' in html
    assert re.search(r'<link rel="stylesheet" href="http://localhost/v/\w+/widget.css">', html)
    # One reply form (absolute, without JavaScript) around the list, which each comment's
    # Reply button submits with its id: no URL repeated per comment.
    assert re.search(
        r'<form method="get" action="http://localhost/embed/a-film-review#leave-reply">'
        r'<ol class="mc-thread"><li id=comment-\d+>.*<button name=reply_to value=\d+>'
        r"Reply<i> to Fay</i></button>.*</ol></form>",
        html,
    )
    # The reply form, the comment form and its "Cancel reply" link: none per comment.
    assert html.count("http://localhost/embed/a-film-review") == 3
    # No form token inside: the widget asks for a fresh one, the fragment stays cacheable.
    assert re.search(r'name="token" type="hidden" value=""', html)


def test_fragment_is_the_same_rendering_as_the_embed_page(
    client: FlaskClient, make_comment: Callable[..., Comment]
) -> None:
    comment = make_comment(Status.APPROVED, body="One *renderer*", name="Gil")

    def item(html: str) -> str:
        match = re.search(rf"<li id=comment-{comment.id}>.*?</button>", html, re.S)
        assert match
        # Served alone, the fragment's ids start with the article's.
        return match.group(0).replace("http://localhost", "").replace("a-film-review-", "")

    fragment = client.get(FRAGMENT).get_data(as_text=True)
    page = client.get("/embed/a-film-review").get_data(as_text=True)
    # The one difference: the page without script shows the exact time; the fragment,
    # whose script writes the reader's own time, the day.
    time = re.compile(r"<time [^>]*>[^<]*</time>")
    day = format_date(comment.created_at, "medium", locale="en")
    assert re.search(rf"<time datetime=[^ >]+>{day}</time>", item(fragment))
    assert re.search(r'<time datetime=[^ >]+ title="([^"]+)">\1</time>', item(page))
    assert time.sub("", item(fragment)) == time.sub("", item(page))
    assert "<em>renderer</em>" in item(fragment)


def test_fragment_revalidates_and_changes_when_a_comment_is_approved(
    client: FlaskClient, make_comment: Callable[..., Comment]
) -> None:
    comment = make_comment(Status.PENDING)
    first = client.get(FRAGMENT)
    assert first.headers["ETag"]
    assert first.headers["Cache-Control"] == "public, max-age=10, stale-while-revalidate=60"
    again = client.get(FRAGMENT, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    domain.approve(comment)
    db.session.commit()
    after = client.get(FRAGMENT, headers={"If-None-Match": first.headers["ETag"]})
    assert after.status_code == 200 and comment.body in after.get_data(as_text=True)


def test_fragment_cors_for_allowed_origins_only(client: FlaskClient, article: Article) -> None:
    allowed = client.get(FRAGMENT, headers={"Origin": BLOG})
    assert allowed.headers["Access-Control-Allow-Origin"] == BLOG
    assert "Origin" in allowed.headers["Vary"]
    # Another site gets no comments, only why, which the widget may read to say so.
    other = client.get(FRAGMENT, headers={"Origin": "http://evil.example"})
    assert other.status_code == 403
    assert other.headers["Access-Control-Allow-Origin"] == "http://evil.example"
    html = other.get_data(as_text=True)
    assert html.startswith('<p class="mc-load-error" role="alert" data-status="403">')
    assert "MODERATION_ALLOWED_ORIGINS" in html and "<form" not in html
    # The framed page is not for scripts of other sites to read.
    page = client.get("/embed/a-film-review", headers={"Origin": BLOG})
    assert "Access-Control-Allow-Origin" not in page.headers


def test_fragment_of_a_new_article_and_of_a_closed_or_unknown_one(
    make_app: Callable[..., Flask], client: FlaskClient, article: Article
) -> None:
    fresh = client.get("/embed/not-yet-commented/fragment?title=New")
    assert fresh.status_code == 200 and "No comments yet" in fresh.get_data(as_text=True)
    article.closed = True
    db.session.commit()
    closed = client.get(FRAGMENT).get_data(as_text=True)
    assert "Comments are closed" in closed and "<form" not in closed
    strict = make_app(AUTO_CREATE_ARTICLES=False).test_client()
    unknown = strict.get("/embed/nope/fragment", headers={"Origin": BLOG})
    assert unknown.status_code == 404
    assert unknown.headers["Access-Control-Allow-Origin"] == BLOG
    assert unknown.get_data(as_text=True).startswith('<p class="mc-load-error"')
    invalid = client.get("/embed/not%20an%20id/fragment")
    assert invalid.status_code == 404 and "mc-load-error" in invalid.get_data(as_text=True)


def test_fragment_shows_identicons_not_emails(
    client: FlaskClient, make_comment: Callable[..., Comment]
) -> None:
    make_comment(Status.APPROVED, email="first-secret@example.org")
    make_comment(Status.APPROVED, email="second-secret@example.org")
    make_comment(Status.APPROVED, email="first-secret@example.org")
    html = client.get(FRAGMENT).get_data(as_text=True)
    assert "secret@example.org" not in html and "first-secret" not in html
    # Each commenter's picture is drawn once, by their first comment, whatever the number
    # of their comments; the others use that drawing.
    drawn = re.findall(r"<svg aria-hidden=true id=([\w-]+) viewBox=0,0,6,6><path ", html)
    used = re.findall(r"<svg aria-hidden=true><use href=#([\w-]+) /></svg>", html)
    assert len(drawn) == 2 and drawn[0] != drawn[1] and drawn[0].startswith("a-film-review-")
    assert used == [drawn[0]]
    assert html.index(f"id={drawn[0]} ") < html.index(f"#{drawn[0]} ")
    assert "gravatar" not in html


def test_gravatar_when_the_owner_turns_it_on(make_app: Callable[..., Flask]) -> None:
    app = make_app(GRAVATAR=True)
    with app.app_context():
        article = domain.create_article("g", title="G")
        comment = domain.submit_comment(
            article, domain.Submission("N", "gravatar-user@example.org", "", "Hi")
        )
        domain.approve(comment)
        db.session.commit()
    client = app.test_client()
    page = client.get("/embed/g")
    html = page.get_data(as_text=True)
    assert '<img class="mc-avatar" src="https://gravatar.com/avatar/' in html
    assert "gravatar-user" not in html
    assert "img-src 'self' data: https://gravatar.com" in page.headers["Content-Security-Policy"]


def test_no_js_reply_link_opens_the_form_as_a_reply(
    client: FlaskClient, make_comment: Callable[..., Comment]
) -> None:
    parent = make_comment(Status.APPROVED, name="Hana")
    html = client.get(f"/embed/a-film-review?reply_to={parent.id}").get_data(as_text=True)
    assert f'name="parent_id" value="{parent.id}"' in html
    assert re.search(r"Leave a reply<span class=\"mc-replying\"> to <span[^>]*>Hana<", html)
    plain = client.get("/embed/a-film-review").get_data(as_text=True)
    assert 'name="parent_id" value=""' in plain and 'class="mc-replying" hidden' in plain


# --- the reader's own pending comment ---------------------------------------------


def test_post_answers_with_the_pending_comment_rendered_for_the_reader(
    client: FlaskClient, article: Article, form_token: Callable[..., str]
) -> None:
    response = post_comment(
        client,
        form_token(),
        name="<b>Bold</b> Name",
        email="pending-secret@example.org",
        body="Mine, **pending**",
    )
    assert response.status_code == 202
    html = response.json["comment_html"]
    assert html.startswith('<li class="mc-pending" id=comment-')
    assert "awaiting moderation" in html
    assert "<strong>pending</strong>" in html
    assert "<b>&lt;b&gt;Bold&lt;/b&gt; Name</b>" in html and html.count("<b>") == 1
    assert "reply_to" not in html  # no replies to a comment nobody else can see
    assert "pending-secret" not in response.get_data(as_text=True)


# --- counts -----------------------------------------------------------------------


def test_counts_of_several_articles_at_once(
    client: FlaskClient, make_comment: Callable[..., Comment]
) -> None:
    domain.create_article("other-post")
    db.session.commit()
    make_comment(Status.APPROVED)
    make_comment(Status.APPROVED)
    make_comment(Status.PENDING)
    make_comment(Status.SPAM)
    make_comment(Status.APPROVED, article_id="other-post")
    response = client.get(
        "/api/counts?article=a-film-review&article=other-post&article=unknown&article=other-post"
    )
    assert response.status_code == 200
    assert response.json == {
        "counts": {"a-film-review": 2, "other-post": 1, "unknown": 0},
        "labels": {
            "a-film-review": "2 comments",
            "other-post": "1 comment",
            "unknown": "0 comments",
        },
    }
    assert response.headers["Cache-Control"].startswith("public, max-age=")
    korean = client.get("/api/counts?article=a-film-review&lang=ko")
    assert korean.json["labels"] == {"a-film-review": "댓글 2개"}
    again = client.get(
        "/api/counts?article=a-film-review&article=other-post&article=unknown",
        headers={"If-None-Match": response.headers["ETag"]},
    )
    assert again.status_code == 304


def test_counts_refuses_bad_requests_with_json(client: FlaskClient) -> None:
    for query in ("", "?" + "&".join(f"article=a{n}" for n in range(101))):
        response = client.get("/api/counts" + query)
        assert response.status_code == 400 and response.is_json and response.json["error"]


def test_one_impossible_id_does_not_blank_the_other_counts(
    client: FlaskClient, make_comment: Callable[..., Comment]
) -> None:
    make_comment(Status.APPROVED)
    response = client.get("/api/counts?article=a-film-review&article=2019/old%20post")
    assert response.status_code == 200
    assert response.json["counts"] == {"a-film-review": 1, "2019/old post": 0}


def test_counts_cors(client: FlaskClient) -> None:
    allowed = client.get("/api/counts?article=x", headers={"Origin": BLOG})
    assert allowed.headers["Access-Control-Allow-Origin"] == BLOG
    other = client.get("/api/counts?article=x", headers={"Origin": "http://evil.example"})
    assert "Access-Control-Allow-Origin" not in other.headers


# --- embed.js and the versioned assets --------------------------------------------


def test_embed_js_is_cached_briefly_with_an_etag_and_points_to_its_pinned_url(
    client: FlaskClient,
) -> None:
    response = client.get("/embed.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["Cache-Control"] == "public, max-age=600"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    etag = response.headers["ETag"]
    assert client.get("/embed.js", headers={"If-None-Match": etag}).status_code == 304
    link = re.fullmatch(
        r'<http://localhost(/v/(\w{12})/embed\.js)>; rel="canonical"', response.headers["Link"]
    )
    assert link and etag.strip('"') == link.group(2)
    pinned = client.get(link.group(1))
    assert pinned.status_code == 200 and pinned.data == response.data
    assert pinned.headers["Cache-Control"] == "public, max-age=31536000, immutable"


def test_an_old_pinned_url_moves_on_to_the_current_one(client: FlaskClient) -> None:
    current = client.get("/embed.js").headers["Link"]
    old = client.get("/v/000000000000/embed.js")
    assert old.status_code == 302 and old.headers["Location"] in current
    assert client.get("/v/000000000000/secret_key").status_code == 404
    assert client.get("/v/000000000000/..%2fpublic.py").status_code == 404


def test_embed_js_fits_the_size_budget(client: FlaskClient) -> None:
    body = client.get("/embed.js").data
    assert len(gzip.compress(body, 9)) <= BUDGET
    text = body.decode()
    assert "document.currentScript" in text and "attachShadow" in text
    assert "import " not in text and "require(" not in text  # no modules


def test_all_widget_javascript_fits_its_budget(client: FlaskClient, article: Article) -> None:
    """The second part, loaded on first use, is named by the fragment (immutable URL)."""
    first = client.get("/embed.js").data
    fragment = client.get(FRAGMENT).get_data(as_text=True)
    more = re.search(r'data-more="http://localhost(/v/\w{12}/widget\.js)"', fragment)
    assert more, fragment[:500]
    second = client.get(more.group(1))
    assert second.status_code == 200 and second.mimetype == "text/javascript"
    assert second.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert "window.MCWidget" in second.get_data(as_text=True)
    total = len(gzip.compress(first, 9)) + len(gzip.compress(second.data, 9))
    assert total <= TOTAL_BUDGET


def test_embed_page_uses_the_versioned_assets_and_no_inline_script(client: FlaskClient) -> None:
    response = client.get("/embed/a-film-review")
    html = response.get_data(as_text=True)
    assert re.search(r'<link rel="stylesheet" href="/v/\w{12}/widget.css">', html)
    script = re.search(r'<script src="(/v/\w{12}/embed-frame.js)" defer></script>', html)
    assert script and "<script>" not in html
    frame_js = client.get(script.group(1))
    assert frame_js.status_code == 200 and b"postMessage" in frame_js.data
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


# --- the demo ---------------------------------------------------------------------


def test_demo_page_embeds_the_widget_with_the_documented_snippet(client: FlaskClient) -> None:
    response = client.get("/demo")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Miracle in Cell No. 7" in html
    assert '<div data-comments="miracle-in-cell-no-7"' in html
    assert '<script src="http://localhost/embed.js" async></script>' in html
    assert '<noscript><iframe src="/embed/miracle-in-cell-no-7"' in html
    assert 'data-comments-count="miracle-in-cell-no-7"' in html
    assert html.count("<p>") >= 4  # a real article, a few paragraphs long


def test_two_fragments_on_one_page_share_no_ids(client: FlaskClient, article: Article) -> None:
    ids: list[set[str]] = []
    for article_id in ("a-film-review", "another-one"):
        html = client.get(f"/embed/{article_id}/fragment").get_data(as_text=True)
        ids.append(set(re.findall(r'\bid="([^"]+)"', html)))
        for targets in re.findall(r'\b(?:for|aria-labelledby)="([^"]+)"', html):
            assert set(targets.split()) <= ids[-1], targets
    assert ids[0] and ids[1] and not ids[0] & ids[1]


def test_unknown_articles_echo_only_clean_titles_and_addresses(client: FlaskClient) -> None:
    response = client.get(
        "/api/articles/never-seen/comments?title=Hi%00%E2%80%AEthere&url=javascript:alert(1)"
    )
    assert response.json["article"] == {"id": "never-seen", "title": "", "url": ""}
    response = client.get(
        "/api/articles/never-seen/comments?title=Hi%00%E2%80%AEthere&url=http://blog.example/x"
    )
    assert response.json["article"] == {
        "id": "never-seen",
        "title": "Hithere",
        "url": "http://blog.example/x",
    }


def test_the_embed_page_links_back_to_its_article(client: FlaskClient, article: Article) -> None:
    page = client.get("/embed/a-film-review").get_data(as_text=True)
    assert '<a href="http://blog.example/review" target="_top">Back to the article</a>' in page


# --- page weight --------------------------------------------------------------------


def test_a_hundred_comments_weigh_at_most_half_again_their_json(
    app: Flask, client: FlaskClient, make_comment: Callable[..., Comment]
) -> None:
    """The widget's HTML carries what the JSON list does (names, dates, texts) and its
    markup: avatars, permalinks, Reply buttons. A reader on a slow line pays for it, so the
    markup of a long thread stays lean: 100 comments by 35 people, a third of them replies,
    with texts of a few sentences, weigh at most 1.5 times the same list as JSON."""
    words = "film cell daughter *father* memory winter trial tears kindness `prison`".split()
    threads: list[Comment] = []
    for n in range(100):
        body = " ".join(words[(n + k) % len(words)] for k in range(45)).capitalize() + "."
        parent = threads[n % len(threads)] if n % 3 == 2 and threads else None
        comment = make_comment(
            Status.APPROVED,
            name=f"Reader {n % 35}",
            email=f"reader{n % 35}@example.org",
            body=body,
            parent=parent,
        )
        if parent is None:
            threads.append(comment)
    app.config["PAGE_SIZE"] = 100  # one page of each
    listed = client.get("/api/articles/a-film-review/comments")
    fragment = client.get(FRAGMENT).get_data(as_text=True)
    assert fragment.count("<li id=comment-") == 100 and listed.json["count"] == 100
    ratio = len(fragment.encode()) / len(listed.data)
    assert ratio <= 1.5, (
        f"{ratio:.3f}: {len(fragment.encode())} B of HTML, {len(listed.data)} B of JSON"
    )
