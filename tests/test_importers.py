"""Imports from other comment systems, on files this project wrote (tests/imports/):
what a blogger would check after moving — every comment there, threads kept, nothing
twice, nothing unsafe, and a summary that says exactly what happened."""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import func, select

from moderation.comments.models import Article, Comment, ModerationEvent, Status
from moderation.extensions import db
from moderation.importers import ArticleNamer, ImportRefused, Summary, run_import

from .receivers import Mailbox, WebhookReceiver, notify_config

HERE = Path(__file__).resolve().parent / "imports"
WXR = HERE / "wordpress.xml"
DISQUS = HERE / "disqus.xml"


def comments() -> list[Comment]:
    return list(db.session.scalars(select(Comment).order_by(Comment.id)))


def by_source_id(source_id: str) -> Comment:
    comment = db.session.scalar(select(Comment).where(Comment.source_id == source_id))
    assert comment is not None, source_id
    return comment


def count(model: Any) -> int:
    return int(db.session.scalar(select(func.count()).select_from(model)) or 0)


# --- WordPress ----------------------------------------------------------------------


def test_wordpress_import_counts_and_summary(app: Flask) -> None:
    summary = run_import("wordpress", WXR)
    assert summary.comments_created == 9
    assert summary.articles_created == 2
    assert summary.skipped == {"pingbacks": 1, "trackbacks": 1}
    assert summary.orphans == 1
    assert count(Comment) == 9
    text = "\n".join(summary.lines())
    assert "Created 2 article(s) (0 already here) and 9 comment(s) from wordpress." in text
    assert "Skipped 2 comment(s):\n  1 pingbacks\n  1 trackbacks" in text
    assert "1 post(s) without comments: no article created" in text


def test_wordpress_maps_articles_statuses_dates_and_authors(app: Flask) -> None:
    run_import("wordpress", WXR)
    review = db.session.get(Article, "2019-miracle-review")
    assert review is not None and not review.closed
    assert review.title == "Miracle in a cell & other stories"
    assert review.url == "https://films.example/2019/miracle-review/"
    closed = db.session.get(Article, "2020-old-news")
    assert closed is not None and closed.closed
    assert db.session.get(Article, "poster.jpg") is None

    first = by_source_id("https://films.example/41/100")
    assert first.status == Status.APPROVED
    assert first.email == "hana@example.org"
    assert first.website == "https://hana.example/"
    # The _gmt date wins over the local one.
    assert first.created_at == datetime(2019, 3, 2, 2, 0, tzinfo=UTC)
    assert first.remote_addr == "203.0.113.0"  # truncated to its /24 by default

    no_email = by_source_id("https://films.example/41/105")
    assert no_email.email == "" and no_email.status == Status.PENDING
    assert no_email.parent_id is None  # its parent is not in the file
    assert no_email.created_at == datetime(2019, 3, 3, 10, 0, tzinfo=UTC)  # local, as UTC
    assert by_source_id("https://films.example/41/106").status == Status.SPAM
    assert by_source_id("https://films.example/41/107").status == Status.REJECTED
    assert by_source_id("https://films.example/42/110").body == "정말 좋은 영화예요."
    ipv6 = by_source_id("https://films.example/41/104")
    assert ipv6.remote_addr == "2001:db8:1234::"  # its /48


def test_wordpress_html_is_sanitized_not_escaped(app: Flask) -> None:
    run_import("wordpress", WXR)
    html = by_source_id("https://films.example/41/100").html
    assert html.startswith("<p>I cried twice.</p><p>The <strong>ending</strong> is ")
    assert '<a href="https://films.example/ending" rel="nofollow ugc noopener">here</a>' in html
    assert "<script" not in html and "alert(1)" not in html
    assert "javascript:" not in html
    assert "&lt;" not in html


def test_wordpress_threads_keep_every_level(app: Flask) -> None:
    run_import("wordpress", WXR)
    ids = {c.source_id.rsplit("/", 1)[1]: c for c in comments() if c.source_id}
    assert ids["101"].parent_id == ids["100"].id
    assert ids["102"].parent_id == ids["101"].id
    assert ids["103"].parent_id == ids["102"].id
    # 104 came before its parent 103 in the file.
    assert ids["104"].parent_id == ids["103"].id


@pytest.mark.parametrize("batch_size", [1, 2, 3])
def test_replies_before_their_parent_link_across_batches(app: Flask, batch_size: int) -> None:
    summary = run_import("wordpress", WXR, batch_size=batch_size)
    assert summary.comments_created == 9 and summary.orphans == 1
    ids = {c.source_id.rsplit("/", 1)[1]: c for c in comments() if c.source_id}
    assert ids["104"].parent_id == ids["103"].id
    assert ids["101"].parent_id == ids["100"].id


def test_deep_threads_display_flattened_at_the_maximum_depth(app: Flask) -> None:
    run_import("wordpress", WXR)
    client = app.test_client()
    page = client.get("/embed/2019-miracle-review").text
    # Five levels in the file, three shown (MAX_THREAD_DEPTH): the last three side by side.
    for text in ("Depth two.", "Depth three.", "Still depth three", "Depth four."):
        assert text in page
    nesting = max_list_nesting(page)
    assert nesting == 3
    api = client.get("/api/articles/2019-miracle-review/comments").get_json()
    by_text = {c["html"]: c for c in api["comments"]}
    four = by_text["<p>Depth four.</p>"]
    three = by_text["<p>Still depth three, answering depth three.</p>"]
    assert four["parent_id"] == three["id"]  # the parent link is kept


def max_list_nesting(html: str) -> int:
    depth = deepest = 0
    for tag in re.findall(r"<(/?)ol\b", html):
        depth += -1 if tag else 1
        deepest = max(deepest, depth)
    return deepest


def test_a_second_run_adds_nothing_and_says_so(app: Flask) -> None:
    run_import("wordpress", WXR)
    again = run_import("wordpress", WXR)
    assert again.comments_created == 0 and again.articles_created == 0
    assert again.articles_existing == 2
    assert again.skipped["already imported (same source and id)"] == 9
    assert count(Comment) == 9
    assert "Nothing new was stored." in again.lines()


def test_dry_run_prints_the_same_summary_and_writes_nothing(app: Flask) -> None:
    dry = run_import("wordpress", WXR, dry_run=True)
    assert count(Comment) == 0 and count(Article) == 0 and count(ModerationEvent) == 0
    real = run_import("wordpress", WXR)
    assert dry.lines()[0].startswith("Would create 2 article(s)")
    assert [dry.lines()[0].replace("Would create", "Created"), *dry.lines()[1:-1]] == real.lines()
    assert dry.lines()[-1] == "Dry run: nothing was written."


def test_the_import_is_logged_once_without_addresses(app: Flask) -> None:
    run_import("wordpress", WXR)
    events = list(db.session.scalars(select(ModerationEvent)))
    assert [e.action for e in events] == ["import"]
    assert events[0].detail == "9 comment(s) and 2 article(s) from wordpress"


def test_article_ids_from_post_names_urls_or_a_map(app: Flask, tmp_path: Path) -> None:
    run_import("wordpress", WXR, namer=ArticleNamer("slug"), dry_run=True)
    run_import("wordpress", WXR, namer=ArticleNamer("slug"))
    assert {a.id for a in db.session.scalars(select(Article))} == {"miracle-review", "old-news"}


def test_article_ids_from_whole_urls(app: Flask) -> None:
    run_import("wordpress", WXR, namer=ArticleNamer("url"))
    assert {a.id for a in db.session.scalars(select(Article))} == {
        "films.example-2019-miracle-review",
        "films.example-2020-old-news",
    }


def test_article_map_from_csv(runner: FlaskCliRunner, app: Flask, tmp_path: Path) -> None:
    mapping = tmp_path / "map.csv"
    mapping.write_text("url,article\n/2019/miracle-review/,miracle\n42,old-news\n")
    result = runner.invoke(args=["import", "wordpress", str(WXR), "--map-articles", str(mapping)])
    assert result.exit_code == 0, result.output
    assert {a.id for a in db.session.scalars(select(Article))} == {"miracle", "old-news"}


def test_a_bad_article_map_is_refused_with_its_line(runner: FlaskCliRunner, tmp_path: Path) -> None:
    mapping = tmp_path / "map.csv"
    mapping.write_text("/a/,fine\n/b/,not a slug!\n")
    result = runner.invoke(args=["import", "wordpress", str(WXR), "--map-articles", str(mapping)])
    assert result.exit_code == 1
    assert "map.csv, line 2: 'not a slug!' is not an article id" in result.output
    assert count(Comment) == 0


def test_imported_comments_keep_their_ip_as_configured(make_app: Callable[..., Flask]) -> None:
    for policy, expected in [("full", "203.0.113.77"), ("none", None)]:
        app = make_app(STORE_IP=policy)
        with app.app_context():
            db.session.execute(Comment.__table__.delete())
            db.session.execute(Article.__table__.delete())
            db.session.commit()
            result = app.test_cli_runner().invoke(args=["import", "wordpress", str(WXR)])
            assert result.exit_code == 0, result.output
            db.session.expire_all()
            assert by_source_id("https://films.example/41/100").remote_addr == expected


def test_the_cli_prints_the_summary(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["import", "wordpress", str(WXR)])
    assert result.exit_code == 0, result.output
    assert "Created 2 article(s) (0 already here) and 9 comment(s) from wordpress." in result.output
    assert (
        "1 reply whose parent is not in the file (or was skipped) is kept at the top level."
        in result.output
    )
    dry = runner.invoke(args=["import", "wordpress", str(WXR), "--dry-run"])
    assert "Would create 0 article(s) (2 already here) and 0 comment(s)" in dry.output
    assert "9 already imported (same source and id)" in dry.output


# --- broken files: a message with the line, never a traceback -------------------------


def test_a_stray_character_before_the_xml_is_ignored_with_a_warning(
    app: Flask, tmp_path: Path
) -> None:
    path = tmp_path / "stray.xml"
    path.write_bytes(b"`" + WXR.read_bytes())
    summary = run_import("wordpress", path)
    assert summary.comments_created == 9
    assert "line 1: 1 stray character(s) before the XML were ignored" in summary.warnings


def test_malformed_xml_is_refused_with_its_line_and_nothing_is_stored(
    runner: FlaskCliRunner, tmp_path: Path
) -> None:
    lines = WXR.read_text().splitlines()
    number = next(n for n, line in enumerate(lines, 1) if "Depth three." in line)
    lines[number - 1] += "<wp:broken attr=unquoted/>"
    path = tmp_path / "broken.xml"
    path.write_text("\n".join(lines))
    result = runner.invoke(args=["import", "wordpress", str(path)])
    assert result.exit_code == 1
    assert f"broken.xml, line {number}, column" in result.output
    assert "not well-formed (invalid token)" in result.output
    assert "Traceback" not in result.output and result.exception is not None
    assert isinstance(result.exception, SystemExit)
    assert count(Comment) == 0


@pytest.mark.parametrize(
    ("format_name", "content", "message"),
    [
        ("wordpress", b"", "this is not an XML file"),
        ("wordpress", b"just text", "this is not an XML file"),
        ("disqus", b"<disqus><post>", "no element found"),
        ("wordpress", b'<!DOCTYPE r [<!ENTITY a "aaaa">]><rss>&a;</rss>', "entities"),
        ("commento", b'{"version": 1, "comments": [', "line 1, column 29: Expecting value"),
        ("commento", b'{"version": 2, "comments": []}', "not a Commento export of version 1"),
        ("json", b'{"format": "other", "version": 1}', "not an export of this service"),
        ("json", b"[1, 2", "line 1, column 6"),
        ("isso", b"hello", "neither an Isso database"),
    ],
)
def test_unreadable_files_are_refused_clearly(
    runner: FlaskCliRunner, tmp_path: Path, format_name: str, content: bytes, message: str
) -> None:
    path = tmp_path / "export.bin"
    path.write_bytes(content)
    result = runner.invoke(args=["import", format_name, str(path)])
    assert result.exit_code == 1, result.output
    assert message in result.output
    assert isinstance(result.exception, SystemExit)


def test_a_missing_file_is_refused(runner: FlaskCliRunner, tmp_path: Path) -> None:
    result = runner.invoke(args=["import", "disqus", str(tmp_path / "nope.xml")])
    assert result.exit_code == 1
    assert "nope.xml cannot be opened" in result.output


# --- Disqus --------------------------------------------------------------------------


def test_disqus_import(app: Flask) -> None:
    summary = run_import("disqus", DISQUS)
    assert summary.comments_created == 5
    assert summary.articles_created == 2
    assert summary.skipped == {"on a thread that is not in the file": 1}
    assert summary.orphans == 0
    review = db.session.get(Article, "2018-review")
    closed = db.session.get(Article, "2018-closed")
    assert review is not None and not review.closed and review.title == "Review"
    assert closed is not None and closed.closed and closed.title == "Закрыто"
    first, reply = by_source_id("9001"), by_source_id("9002")
    assert reply.parent_id == first.id and reply.email == ""
    assert first.email == "min@example.org" and first.remote_addr == "198.51.100.0"
    assert first.html == (
        '<p>First!</p><p>Second paragraph with <a href="https://ok.example/" '
        'rel="nofollow ugc noopener">a link</a>.</p>'
    )
    assert by_source_id("9003").status == Status.SPAM
    assert by_source_id("9004").status == Status.REJECTED
    plain = by_source_id("id:import-77")
    assert plain.html == "<p>Plain text, no dsq:id.</p>" and plain.status == Status.APPROVED
    assert run_import("disqus", DISQUS).comments_created == 0


def test_disqus_thread_identifiers_as_article_ids(app: Flask) -> None:
    run_import("disqus", DISQUS, namer=ArticleNamer("slug"))
    # The closed thread has no identifier: its address gives the id.
    assert {a.id for a in db.session.scalars(select(Article))} == {
        "film-review-2018",
        "2018-closed",
    }


# --- Isso ----------------------------------------------------------------------------


def make_isso_database(path: Path) -> None:
    """An Isso database of schema version 5, as Isso creates it."""
    connection = sqlite3.connect(path)
    connection.executescript(
        """
        CREATE TABLE threads (id INTEGER PRIMARY KEY, uri VARCHAR(256) UNIQUE, title VARCHAR(256));
        CREATE TABLE comments (
            tid REFERENCES threads(id), id INTEGER PRIMARY KEY, parent INTEGER,
            created FLOAT NOT NULL, modified FLOAT, mode INTEGER, remote_addr VARCHAR,
            text VARCHAR, author VARCHAR, email VARCHAR, website VARCHAR,
            likes INTEGER DEFAULT 0, dislikes INTEGER DEFAULT 0, voters BLOB NOT NULL,
            notification INTEGER DEFAULT 0);
        CREATE TABLE preferences (key VARCHAR PRIMARY KEY, value VARCHAR);
        PRAGMA user_version = 5;
        INSERT INTO threads VALUES (1, '/2017/hello/', 'Hello'), (2, '/about/', 'About');
        """
    )
    rows = [
        (
            1,
            1,
            None,
            1500000000.5,
            1,
            "192.0.2.10",
            "*Markdown* here",
            "Ann",
            "ann@example.org",
            "https://ann.example",
        ),
        (1, 2, 1, 1500000100.0, 1, "192.0.2.11", "A reply", "Bo", None, None),
        (1, 3, 2, 1500000200.0, 2, "192.0.2.12", "Waiting <b>raw</b>", "Cy", "cy@example.org", ""),
        (1, 4, None, 1500000300.0, 4, "", "", "", None, None),
        (2, 5, 4, 1500000400.0, 1, "0.0.0.0", "Reply to a deleted one", None, None, None),
        (9, 6, None, 1500000500.0, 1, "", "On a thread that is gone", "Di", None, None),
    ]
    connection.executemany(
        "INSERT INTO comments (tid, id, parent, created, mode, remote_addr, text, author, "
        "email, website, voters) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, x'00')",
        rows,
    )
    connection.commit()
    connection.close()


def test_isso_database_import(app: Flask, tmp_path: Path) -> None:
    path = tmp_path / "comments.db"
    make_isso_database(path)
    before = path.read_bytes()
    summary = run_import("isso", path)
    assert path.read_bytes() == before  # opened read-only
    assert summary.comments_created == 4
    assert summary.articles_created == 2
    assert summary.skipped == {"deleted in the source": 1, "on a thread that is not in the file": 1}
    assert summary.orphans == 1
    ann, bo, cy, orphan = (by_source_id(str(n)) for n in (1, 2, 3, 5))
    assert ann.html == "<p><em>Markdown</em> here</p>" and ann.website == "https://ann.example"
    assert ann.created_at == datetime.fromtimestamp(1500000000.5, UTC)
    assert bo.parent_id == ann.id and bo.email == ""
    assert cy.parent_id == bo.id and cy.status == Status.PENDING
    assert cy.html == "<p>Waiting &lt;b&gt;raw&lt;/b&gt;</p>"  # Isso stores Markdown
    assert orphan.parent_id is None and orphan.author_name == "Anonymous"
    assert orphan.remote_addr is None and orphan.article_id == "about"
    assert {a.id for a in db.session.scalars(select(Article))} == {"2017-hello", "about"}
    assert run_import("isso", path).comments_created == 0


def test_isso_refuses_a_database_of_something_else(runner: FlaskCliRunner, tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    connection = sqlite3.connect(path)
    connection.execute("CREATE TABLE t (x)")
    connection.commit()
    connection.close()
    result = runner.invoke(args=["import", "isso", str(path)])
    assert result.exit_code == 1
    assert "other.db has no Isso tables (comments, threads)." in result.output


# --- Commento -------------------------------------------------------------------------


def commento_export() -> dict[str, Any]:
    return {
        "version": 1,
        "comments": [
            {"commentHex": "c1", "domain": "films.example", "url": "/2021/talk/",
             "commenterHex": "u1", "markdown": "**Great**", "html": "<p><b>Great</b></p>",
             "parentHex": "root", "state": "approved", "creationDate": "2021-02-03T04:05:06.7Z",
             "deleted": False},
            {"commentHex": "c2", "domain": "films.example", "url": "/2021/talk/",
             "commenterHex": "anon", "markdown": "reply", "html": "", "parentHex": "c1",
             "state": "unapproved", "creationDate": "2021-02-03T05:00:00Z", "deleted": False},
            {"commentHex": "c3", "domain": "films.example", "url": "/2021/talk/",
             "commenterHex": "u1", "markdown": "spam?", "html": "", "parentHex": "root",
             "state": "flagged", "creationDate": "2021-02-03T06:00:00Z", "deleted": False},
            {"commentHex": "c4", "domain": "films.example", "url": "/2021/talk/",
             "commenterHex": "u1", "markdown": "gone", "html": "", "parentHex": "root",
             "state": "approved", "creationDate": "2021-02-03T07:00:00Z", "deleted": True},
        ],
        "commenters": [
            {"commenterHex": "u1", "email": "Uma@Example.org", "name": "Uma",
             "link": "undefined", "provider": "commento"},
        ],
        "pages": [{"domain": "films.example", "path": "/2021/talk/", "isLocked": True}],
    }  # fmt: skip


def test_commento_import(app: Flask, tmp_path: Path) -> None:
    path = tmp_path / "commento.json"
    path.write_text(json.dumps(commento_export()))
    summary = run_import("commento", path)
    assert summary.comments_created == 3
    assert summary.skipped == {"deleted in the source": 1}
    article = db.session.get(Article, "2021-talk")
    assert article is not None and article.closed
    assert article.url == "https://films.example/2021/talk/"
    great, reply, flagged = by_source_id("c1"), by_source_id("c2"), by_source_id("c3")
    assert great.html == "<p><strong>Great</strong></p>" and great.email == "uma@example.org"
    assert great.website == "" and great.created_at == datetime(2021, 2, 3, 4, 5, 6, 700000, UTC)
    assert reply.parent_id == great.id and reply.author_name == "Anonymous"
    assert reply.status == Status.PENDING and flagged.status == Status.SPAM


def test_summary_lines_count_reasons(app: Flask) -> None:
    summary = Summary(source="disqus")
    summary.skip("b")
    summary.skip("a")
    summary.skip("b")
    assert summary.lines()[1:] == [
        "Skipped 3 comment(s):",
        "  2 b",
        "  1 a",
        "Nothing new was stored.",
    ]


def test_import_refused_is_a_domain_error() -> None:
    assert ImportRefused("x").message == "x"


def test_text_with_nul_characters_is_stored_without_them(app: Flask, tmp_path: Path) -> None:
    export = commento_export()
    export["comments"][0]["markdown"] = "before\x00after"
    path = tmp_path / "commento.json"
    path.write_text(json.dumps(export))
    assert run_import("commento", path).comments_created == 3
    assert by_source_id("c1").body == "beforeafter"


def test_moderators_see_that_an_imported_author_left_no_email(logged_in: Any, app: Flask) -> None:
    run_import("wordpress", WXR)
    queue = logged_in.client.get("/moderation/")
    assert "No email, and a reply to a comment" in queue.text
    assert "no email (imported from wordpress)" in queue.text
    comment = by_source_id("https://films.example/41/105")
    page = logged_in.client.get(f"/moderation/comments/{comment.id}")
    assert "no email (imported from wordpress)" in page.text
    assert 'href="mailto:"' not in page.text


def wxr_with(comments: str) -> str:
    return (
        '<?xml version="1.0"?><rss xmlns:wp="http://wordpress.org/export/1.1/"><channel>'
        "<item><link>https://films.example/loop/</link><wp:post_id>1</wp:post_id>"
        f"{comments}</item></channel></rss>"
    )


def wxr_comment(comment_id: int, parent: int) -> str:
    return (
        f"<wp:comment><wp:comment_id>{comment_id}</wp:comment_id>"
        "<wp:comment_author>A</wp:comment_author>"
        f"<wp:comment_date_gmt>2020-01-0{comment_id} 00:00:00</wp:comment_date_gmt>"
        f"<wp:comment_content>Comment {comment_id}</wp:comment_content>"
        f"<wp:comment_approved>1</wp:comment_approved>"
        f"<wp:comment_parent>{parent}</wp:comment_parent></wp:comment>"
    )


@pytest.mark.parametrize("batch_size", [1, 500])
def test_replies_that_answer_each_other_make_no_loop(
    app: Flask, tmp_path: Path, batch_size: int
) -> None:
    path = tmp_path / "loop.xml"
    path.write_text(
        wxr_with(wxr_comment(1, 2) + wxr_comment(2, 3) + wxr_comment(3, 1) + wxr_comment(4, 4))
    )
    summary = run_import("wordpress", path, batch_size=batch_size)
    assert summary.comments_created == 4 and summary.orphans == 2
    parents = {c.id: c.parent_id for c in comments()}
    for start in parents:  # every chain of parents ends
        seen, node = set(), start
        while node is not None:
            assert node not in seen
            seen.add(node)
            node = parents[node]
    page = app.test_client().get("/embed/loop")
    # One link of the loop is cut, so every comment is reachable and shown.
    assert all(f"Comment {n}" in page.text for n in (1, 2, 3, 4))


def test_readers_cached_pages_of_an_existing_article_change(app: Flask) -> None:
    from moderation.comments.articles import create_article

    create_article("2019-miracle-review", title="Already here")
    db.session.commit()
    client = app.test_client()
    before = client.get("/api/articles/2019-miracle-review/comments")
    run_import("wordpress", WXR)
    after = client.get(
        "/api/articles/2019-miracle-review/comments",
        headers={"If-None-Match": before.headers["ETag"]},
    )
    assert after.status_code == 200 and after.get_json()["count"] == 5
    assert db.session.get(Article, "2019-miracle-review").title == "Already here"  # type: ignore[union-attr]


def test_imported_comments_tell_nobody_and_teach_the_filter_nothing(
    make_app: Callable[..., Flask],
    make_moderator: Callable[..., Any],
    mailbox: Mailbox,
    webhook_receiver: WebhookReceiver,
) -> None:
    """Years of old comments arrive at once: no mail to moderators or readers, no
    webhook, no lesson for the learning filter (their statuses are someone else's)."""
    import contextvars

    from moderation.notify import worker
    from moderation.notify.models import OutboxMessage
    from moderation.spam.models import FilterToken, FilterTotals

    app = make_app(**notify_config(mailbox, webhook_receiver))
    with app.app_context():
        make_moderator("boss@example.com")
        summary = run_import("wordpress", WXR)
        assert summary.comments_created > 0
        assert count(OutboxMessage) == 0
        assert count(FilterToken) == 0
        assert sum(t.spam + t.ham for t in db.session.scalars(select(FilterTotals))) == 0
        contextvars.Context().run(worker.send_due, app)
        assert mailbox.messages == [] and webhook_receiver.deliveries == []
        # The same service does tell of a comment written here.
        from moderation import comments as domain
        from moderation.comments.notifications import comment_posted

        article = db.session.scalars(select(Article).order_by(Article.id)).first()
        assert article is not None
        written = domain.submit_comment(
            article, domain.Submission("New", "new@example.org", "", "Written here today")
        )
        comment_posted(written, wants_replies=False)
        db.session.commit()
        assert count(OutboxMessage) > 0
