"""The real exports of other comment systems (``../shared/fixtures/imports``, see its
SOURCES.md) import with the counts a person expects from reading them."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import func, select

from moderation.comments.models import Article, Comment, Status
from moderation.extensions import db
from moderation.importers import run_import

FIXTURES = Path(__file__).resolve().parents[1].parent / "shared" / "fixtures" / "imports"

pytestmark = pytest.mark.skipif(not FIXTURES.is_dir(), reason=f"{FIXTURES} is absent")


def comment(source_id: str) -> Comment:
    found = db.session.scalar(select(Comment).where(Comment.source_id == source_id))
    assert found is not None, source_id
    return found


def article_ids() -> set[str]:
    return set(db.session.scalars(select(Article.id)))


def total() -> int:
    return int(db.session.scalar(select(func.count(Comment.id))) or 0)


def test_every_file_there_is_covered() -> None:
    assert {p.name for p in FIXTURES.iterdir() if p.name != "SOURCES.md"} == {
        "isso-tests-wordpress.xml",
        "isso-tests-generic.json",
        "isso-tests-disqus.xml",
        "remark42-migrator-disqus.xml",
        "remark42-api-commento.json",
    }


def test_isso_wordpress(app: Flask) -> None:
    # Seven comments on "Hello, World…", one on the ?p=4 post, none on "No comments". The
    # repeated comment_id 11 belongs to two posts: two comments.
    summary = run_import("wordpress", FIXTURES / "isso-tests-wordpress.xml")
    assert (summary.articles_created, summary.comments_created) == (2, 8)
    assert not summary.skipped and summary.orphans == 0
    assert summary.warnings == {"1 post(s) without comments: no article created": 1}
    assert article_ids() == {"2014-test", "p-4"}
    first = comment("18/2")
    assert (first.author_name, first.email, first.website) == (
        "Ohai",
        "test@example.org",
        "http://example.tld/",
    )
    assert first.remote_addr == "82.119.20.0" and first.html == "<p>Erster!1</p>"
    second, third = comment("18/6"), comment("18/7")
    assert third.parent_id == second.id and third.body == "Drölfter!"
    assert third.created_at == datetime(2014, 4, 29, 15, 21, 35, tzinfo=UTC)  # only _gmt
    assert comment("18/8").parent_id == third.id and comment("18/9").parent_id == third.id
    multiline = comment("18/10")
    assert multiline.created_at == datetime(2022, 6, 6, 2, 13, 14, tzinfo=UTC)
    assert multiline.html == (
        "<p>When you have a comment with multiple lines:<br>WordPress exports it like this.</p>"
    )
    assert comment("http://example.tld/?p=4/11").article_id == "p-4"
    assert comment("18/11").article_id == "2014-test"
    again = run_import("wordpress", FIXTURES / "isso-tests-wordpress.xml")
    assert again.comments_created == 0 and total() == 8


def test_isso_disqus(app: Flask) -> None:
    # Posts 4 and 5 (a reply) on thread 2, 8 on the thread with an empty id and title,
    # 11 a reply to the deleted, empty post 9 (kept at the top level); post 6's thread
    # 1337 is not in the file.
    summary = run_import("disqus", FIXTURES / "isso-tests-disqus.xml")
    assert (summary.articles_created, summary.comments_created) == (2, 4)
    assert summary.skipped == {"on a thread that is not in the file": 1, "without any text": 1}
    assert summary.orphans == 1
    assert article_ids() == {"index", "blog-2013-02-12-redacted-index.html"}
    assert comment("5").parent_id == comment("4").id
    assert comment("4").author_name == "peter" and comment("4").email == "foo@bar.com"
    assert comment("5").html == "<p>Hello, World.</p>"
    assert comment("11").parent_id is None
    empty = db.session.get(Article, "blog-2013-02-12-redacted-index.html")
    assert empty is not None and empty.title == ""


def test_remark42_disqus_is_refused_at_its_broken_line(runner: FlaskCliRunner) -> None:
    # A stray backtick before <?xml (ignored), then an unquoted attribute on line 147.
    result = runner.invoke(
        args=["import", "disqus", str(FIXTURES / "remark42-migrator-disqus.xml")]
    )
    assert result.exit_code == 1
    assert (
        "remark42-migrator-disqus.xml, line 147, column 24: not well-formed (invalid token)."
        in result.output
    )
    assert "Traceback" not in result.output and total() == 0


def test_remark42_disqus_once_repaired(app: Flask, tmp_path: Path) -> None:
    # The same file with its one broken attribute quoted (the backtick left in): five posts
    # on two threads, one spam, one on a closed thread; the last one's date is unreadable.
    text = (FIXTURES / "remark42-migrator-disqus.xml").read_text()
    assert text.count("dsq:id=247937687/>") == 1
    repaired = tmp_path / "disqus.xml"
    repaired.write_text(text.replace("dsq:id=247937687/>", 'dsq:id="247937687"/>'))
    summary = run_import("disqus", repaired)
    assert (summary.articles_created, summary.comments_created) == (2, 5)
    assert summary.skipped == {"without a readable date": 1}
    assert "line 1: 1 stray character(s) before the XML were ignored" in summary.warnings
    assert article_ids() == {"2011-03-229_8880.html", "p-2011-03-05-podcast-229"}
    closed = db.session.get(Article, "p-2011-03-05-podcast-229")
    assert closed is not None and closed.closed and closed.title == "Радио-Т: Радио-Т 229"
    no_email = comment("299619020")
    assert no_email.email == "" and no_email.author_name == "Alexander Blah"
    assert comment("299986073").status == Status.SPAM
    assert comment("id:12345678890").body == "This comment had no ID"
    assert "Microsoft показал проводник" in comment("299744309").html


def test_remark42_commento_has_nothing_to_import(app: Flask) -> None:
    # Seven comments, every one with empty markdown and html: nothing to show readers.
    summary = run_import("commento", FIXTURES / "remark42-api-commento.json")
    assert summary.comments_created == 0 and summary.articles_created == 0
    assert summary.skipped == {"without any text": 7}
    assert "Nothing new was stored." in summary.lines()


def test_isso_generic_json(app: Flask) -> None:
    summary = run_import("isso", FIXTURES / "isso-tests-generic.json")
    assert (summary.articles_created, summary.comments_created) == (2, 2)
    assert not summary.skipped
    poker = db.session.get(Article, "posts-0001")
    miguel = db.session.get(Article, "posts-0007")
    assert poker is not None and poker.title == "Test post"
    assert miguel is not None and miguel.title == "Nat & Miguel"
    assert comment("/posts/0001//0").email == ""  # an author without an email
    assert comment("/posts/0007//0").author_name == "Richard Crinshaw"
