"""Long threads: the newest threads first, older ones a page at a time, by keyset."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event

from moderation import comments as domain
from moderation.comments.models import Comment, Status
from moderation.extensions import db

from .conftest import ARTICLE_ID
from .helpers import count_queries

API = f"/api/articles/{ARTICLE_ID}/comments"
FRAGMENT = f"/embed/{ARTICLE_ID}/fragment"


def add_threads(make_comment: Callable[..., Comment], n: int) -> list[Comment]:
    """``n`` published top-level comments, each with one published reply."""
    roots = []
    for i in range(n):
        root = make_comment(Status.APPROVED, body=f"Thread {i}")
        make_comment(Status.APPROVED, body=f"Reply to thread {i}", parent=root)
        roots.append(root)
    return roots


def shown_ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r"<li(?: class=\"[^\"]*\")? id=comment-(\d+)>", html)]


def test_pages_hold_whole_threads_newest_first_and_link_to_older_ones(
    make_app: Callable[..., Flask], make_comment: Callable[..., Comment]
) -> None:
    app = make_app(PAGE_SIZE=3)
    client = app.test_client()
    roots = add_threads(make_comment, 7)
    first = client.get(API).json
    assert first["count"] == 14
    top = [c["id"] for c in first["comments"] if c["parent_id"] is None]
    # The three newest threads, shown oldest first (the default order), with replies.
    assert top == [roots[4].id, roots[5].id, roots[6].id]
    assert len(first["comments"]) == 6 and first["older"] == roots[4].id
    second = client.get(f"{API}?before={first['older']}").json
    assert [c["id"] for c in second["comments"] if c["parent_id"] is None] == [
        roots[1].id,
        roots[2].id,
        roots[3].id,
    ]
    last = client.get(f"{API}?before={second['older']}").json
    assert last["comments"][0]["id"] == roots[0].id
    assert last["older"] is None

    newest = client.get(f"{API}?sort=newest").json
    assert [c["id"] for c in newest["comments"] if c["parent_id"] is None] == [
        roots[6].id,
        roots[5].id,
        roots[4].id,
    ]
    # Replies follow their own thread, oldest first, whatever the order.
    assert newest["comments"][1]["parent_id"] == roots[6].id


def test_the_fragment_and_the_no_js_page_link_to_the_older_page(
    make_app: Callable[..., Flask], make_comment: Callable[..., Comment]
) -> None:
    client = make_app(PAGE_SIZE=2).test_client()
    roots = add_threads(make_comment, 5)
    fragment = client.get(FRAGMENT).get_data(as_text=True)
    assert roots[0].id not in shown_ids(fragment)
    older = re.search(r'class="mc-older" data-before="(\d+)" href="([^"]+)"', fragment)
    assert older and int(older.group(1)) == roots[3].id
    assert older.group(2).startswith("http://localhost/embed/a-film-review?before=")
    # Without JavaScript, the link opens the embed page's older page, form included.
    page = client.get(older.group(2).replace("&amp;", "&").removeprefix("http://localhost"))
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "<form" in html
    assert set(shown_ids(html)) == {roots[1].id, roots[2].id} | {
        c.id for c in _replies([roots[1], roots[2]])
    }
    assert 'class="mc-newer"' in html


def _replies(roots: list[Comment]) -> list[Comment]:
    ids = [r.id for r in roots]
    return list(db.session.scalars(db.select(Comment).where(Comment.parent_id.in_(ids))))


def test_a_permalink_to_an_older_comment_opens_its_page(
    make_app: Callable[..., Flask], make_comment: Callable[..., Comment]
) -> None:
    client = make_app(PAGE_SIZE=2).test_client()
    roots = add_threads(make_comment, 6)
    reply = _replies([roots[1]])[0]
    assert reply.id not in shown_ids(client.get(FRAGMENT).get_data(as_text=True))
    html = client.get(f"{FRAGMENT}?comment={reply.id}").get_data(as_text=True)
    assert reply.id in shown_ids(html) and roots[1].id in shown_ids(html)
    page = client.get(f"/embed/{ARTICLE_ID}?comment={reply.id}").get_data(as_text=True)
    assert f"id=comment-{reply.id}>" in page
    # A comment on the newest page opens the newest page, as it is.
    newest = client.get(FRAGMENT).get_data(as_text=True)
    assert client.get(f"{FRAGMENT}?comment={roots[5].id}").get_data(as_text=True) == newest
    assert 'class="mc-newer"' not in newest
    # A comment readers cannot see opens the newest page.
    hidden = make_comment(Status.PENDING)
    assert shown_ids(client.get(f"{FRAGMENT}?comment={hidden.id}").get_data(as_text=True)) == (
        shown_ids(client.get(FRAGMENT).get_data(as_text=True))
    )


def test_a_reply_whose_parent_is_hidden_starts_its_own_thread(
    client: FlaskClient, make_comment: Callable[..., Comment]
) -> None:
    parent = make_comment(Status.APPROVED)
    reply = make_comment(Status.APPROVED, parent=parent)
    domain.reject(parent)
    db.session.commit()
    answer = client.get(API).json
    assert [c["id"] for c in answer["comments"]] == [reply.id]


def test_every_page_counts_each_published_comment_once(
    app: Flask, make_comment: Callable[..., Comment]
) -> None:
    """The count says how many published comments the article has, whether the page
    holds every thread (counted from the page itself) or only some (counted apart)."""
    root = make_comment(Status.APPROVED)
    reply = make_comment(Status.APPROVED, parent=root)
    make_comment(Status.APPROVED, parent=reply)
    hidden = make_comment(Status.APPROVED, parent=root)
    make_comment(Status.APPROVED, parent=hidden)  # shown as a thread of its own
    make_comment(Status.APPROVED)
    make_comment(Status.PENDING, parent=root)
    make_comment(Status.SPAM)
    domain.reject(hidden)
    db.session.commit()
    published = 5
    whole = domain.thread_page(ARTICLE_ID, size=50)
    assert (whole.older, whole.total, len(whole.comments)) == (None, published, published)
    seen, before = 0, None
    for _ in range(3):  # three threads, one a page
        page = domain.thread_page(ARTICLE_ID, size=1, before=before)
        assert page.total == published
        seen, before = seen + len(page.comments), page.older
    assert before is None and seen == published


def test_the_owner_sets_the_order_and_the_widget_may_override_it(
    make_app: Callable[..., Flask], make_comment: Callable[..., Comment]
) -> None:
    client = make_app(COMMENT_SORT="newest").test_client()
    roots = add_threads(make_comment, 2)
    assert client.get(API).json["comments"][0]["id"] == roots[1].id
    assert client.get(f"{API}?sort=oldest").json["comments"][0]["id"] == roots[0].id
    fragment = client.get(FRAGMENT).get_data(as_text=True)
    assert 'data-sort="newest"' in fragment


def test_bad_page_parameters_are_a_400(client: FlaskClient, make_comment: Callable) -> None:
    for query in ("before=x", "before=0", "comment=99999999999", "sort=random", "before=%C2%B2"):
        assert client.get(f"{API}?{query}").status_code == 400, query
        assert client.get(f"{FRAGMENT}?{query}").status_code == 400, query
    assert client.get(f"{API}?before=424242").status_code == 200


def test_pages_have_their_own_validators(
    make_app: Callable[..., Flask], make_comment: Callable[..., Comment]
) -> None:
    client = make_app(PAGE_SIZE=1).test_client()
    roots = add_threads(make_comment, 3)
    first = client.get(FRAGMENT)
    older = client.get(f"{FRAGMENT}?before={roots[2].id}")
    assert first.headers["ETag"] != older.headers["ETag"]
    again = client.get(
        f"{FRAGMENT}?before={roots[2].id}", headers={"If-None-Match": older.headers["ETag"]}
    )
    assert again.status_code == 304


def test_any_page_costs_the_same_statements(
    make_app: Callable[..., Flask], make_comment: Callable[..., Comment]
) -> None:
    """Page 1 and a page far back, of a short and of a long thread: the same statements
    (rendered each time: the read cache would answer the second read with none)."""
    app = make_app(PAGE_SIZE=2, READ_CACHE=False)
    client = app.test_client()
    with app.app_context():
        engine = db.engine
    roots = add_threads(make_comment, 3)

    def cost(url: str) -> list[str]:
        client.get(url)  # warm up
        with count_queries(engine) as sent:
            assert client.get(url).status_code == 200
        return sent

    few_first, few_older = cost(API), cost(f"{API}?before={roots[2].id}")
    roots += add_threads(make_comment, 20)
    many_first, many_older = cost(API), cost(f"{API}?before={roots[3].id}")
    assert len(few_first) + 1 == len(few_older)  # the cursor's own row
    assert len(many_first) == len(few_first) and len(many_older) == len(few_older)
    # The very same SQL: only the cursor's values differ, nothing skips rows one by one.
    assert many_older == few_older
    fragment_few = cost(f"{FRAGMENT}?before={roots[2].id}")
    roots += add_threads(make_comment, 10)
    assert len(cost(f"{FRAGMENT}?before={roots[2].id}")) == len(fragment_few)


def test_an_older_page_is_a_range_of_the_article_index(app: Flask) -> None:
    from datetime import UTC, datetime

    from moderation.comments.reading import roots_query

    query = roots_query("x", (datetime(2026, 1, 1, tzinfo=UTC), 42, False)).limit(51)
    sql = str(query.compile(db.engine, compile_kwargs={"literal_binds": True}))
    with db.engine.connect() as connection:
        if db.engine.dialect.name == "sqlite":
            rows = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + sql)
            plan = " | ".join(row[-1] for row in rows)
            assert "USING INDEX ix_comment_article_status_created" in plan, plan
            assert "<?" in plan.replace(" ", "") or "created_at<" in plan.replace(" ", ""), plan
            assert "TEMP B-TREE" not in plan, plan
        else:
            connection.exec_driver_sql("SET enable_seqscan = off")
            plan = " | ".join(row[0] for row in connection.exec_driver_sql("EXPLAIN " + sql))
            assert "Index Scan Backward using ix_comment_article_status_created" in plan, plan
            assert "Sort" not in plan, plan


def test_the_replies_of_a_page_are_found_by_their_parents(
    app: Flask, make_comment: Callable[..., Comment]
) -> None:
    """However many comments the site holds, a page's replies are looked up through the
    parent index, never by walking every published comment; a rejected reply is not
    among them, though a published answer to it still shows (on its own)."""
    roots = add_threads(make_comment, 2)
    held = make_comment(Status.APPROVED, body="Held reply", parent=roots[0])
    make_comment(Status.APPROVED, body="Under the held reply", parent=held)
    domain.reject(held)
    db.session.commit()
    sent: list[tuple[str, Any]] = []

    def keep(conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        sent.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", keep)
    try:
        page = domain.thread_page(ARTICLE_ID, size=10)
    finally:
        event.remove(db.engine, "before_cursor_execute", keep)
    texts = [node.comment.html for thread in page.threads for node in [thread, *thread.replies]]
    assert "<p>Held reply</p>" not in texts and "<p>Under the held reply</p>" in texts
    assert sum("Reply to thread" in text for text in texts) == 2
    if db.engine.dialect.name != "sqlite":
        return
    statement, parameters = next((s, p) for s, p in sent if "RECURSIVE" in s)
    with db.engine.connect() as connection:
        rows = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
        plan = " | ".join(row[-1] for row in rows)
    assert "ix_comment_parent_id" in plan and "ix_comment_status_created" not in plan, plan
    assert "SCAN comment" not in plan, plan
