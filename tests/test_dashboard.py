"""The queue and every action on it, through HTTP, as a moderator would use them."""

from collections.abc import Callable

import pytest
from flask.testing import FlaskClient

from moderation import comments as domain
from moderation.accounts.models import Moderator
from moderation.comments import moderation as moderation_ops
from moderation.comments.models import Article, Comment, ModerationEvent, Status
from moderation.extensions import db

from .conftest import ARTICLE_ID, Auth, csrf_from

Make = Callable[..., Comment]


def act(auth: Auth, comment: Comment, action: str, **extra: object) -> object:
    data = {"version": comment.version, **extra}
    return auth.post(f"/moderation/comments/{comment.id}/{action}", data)


def published(client: FlaskClient) -> list[str]:
    data = client.get(f"/api/articles/{ARTICLE_ID}/comments").get_json()
    return [c["html"] for c in data["comments"]]


def fresh(comment_id: int) -> Comment | None:
    return db.session.get(Comment, comment_id)


# --- the queue --------------------------------------------------------------------


def test_queue_shows_what_a_moderator_needs(logged_in: Auth, make_comment: Make) -> None:
    parent = make_comment(Status.APPROVED, name="Ada", body="The first comment")
    comment = make_comment(name="Bob <b>", email="bob@example.org", parent=parent)
    comment.website = "https://bob.example"
    comment.held_reason = "it contains 3 links"
    db.session.commit()
    page = logged_in.client.get("/moderation/").text
    assert "Bob &lt;b&gt;" in page and "Bob <b>" not in page
    assert "bob@example.org" in page
    assert 'href="https://bob.example"' in page
    assert 'href="http://blog.example/review"' in page and "A film review" in page
    assert "In reply to" in page and "The first comment" in page
    assert "Held:</strong> it contains 3 links" in page
    assert f'datetime="{comment.created_at.isoformat()}"' in page
    assert "Keyboard shortcuts" in page and "<kbd>j</kbd>" in page


def test_counts_per_status_are_always_visible(logged_in: Auth, make_comment: Make) -> None:
    make_comment()
    make_comment()
    make_comment(Status.APPROVED)
    make_comment(Status.SPAM)
    for status in ("pending", "approved", "spam"):
        page = logged_in.client.get(f"/moderation/?status={status}").text
        assert '<span class="count" data-count="pending">2</span>' in page
        assert '<span class="count" data-count="approved">1</span>' in page
        assert '<span class="count" data-count="rejected">0</span>' in page
        assert '<span class="count" data-count="spam">1</span>' in page


def test_every_page_says_how_many_comments_wait(logged_in: Auth, make_comment: Make) -> None:
    make_comment()
    make_comment()
    make_comment(Status.APPROVED)
    for url in ("/moderation/log", "/moderation/articles", "/moderation/?q=nothing-matches"):
        page = logged_in.client.get(url).text
        assert '<span class="count count-pending" data-pending-total>2</span>' in page


def test_filter_search_and_paginate(logged_in: Auth, make_comment: Make) -> None:
    domain.create_article("second", title="Second article")
    for n in range(30):
        make_comment(name=f"Reader {n:02}")
    make_comment(name="Zelda", article_id="second")
    client = logged_in.client
    first = client.get("/moderation/").text
    assert "Reader 00" in first and "Reader 24" in first and "Reader 25" not in first
    assert "1–25 of 31" in first and 'rel="next"' in first
    second = client.get("/moderation/?page=2").text
    assert "Reader 25" in second and "Zelda" in second and "Reader 00" not in second
    only_second = client.get("/moderation/?article=second").text
    assert "Zelda" in only_second and "Reader 00" not in only_second
    search = client.get("/moderation/?q=reader+07").text
    assert "Reader 07" in search and "Reader 08" not in search
    assert client.get("/moderation/?status=approved").text.count('class="item ') == 0


@pytest.mark.parametrize(
    "query", ["status=nonsense", "page=abc", "page=-1", "page=99999999999", "article=%00", "q=%25"]
)
def test_odd_query_strings_are_harmless(logged_in: Auth, make_comment: Make, query: str) -> None:
    make_comment()
    assert logged_in.client.get(f"/moderation/?{query}").status_code == 200


# --- one comment ------------------------------------------------------------------


@pytest.mark.parametrize(
    "action, start, end",
    [
        ("approve", Status.PENDING, Status.APPROVED),
        ("reject", Status.PENDING, Status.REJECTED),
        ("spam", Status.PENDING, Status.SPAM),
        ("restore", Status.SPAM, Status.PENDING),
        ("restore", Status.REJECTED, Status.PENDING),
    ],
)
def test_status_actions_are_logged_and_flashed(
    logged_in: Auth,
    make_comment: Make,
    moderator: Moderator,
    action: str,
    start: Status,
    end: Status,
) -> None:
    comment = make_comment(start)
    response = act(logged_in, comment, action, next="/moderation/?status=spam")
    assert response.status_code == 303  # type: ignore[attr-defined]
    assert response.headers["Location"] == "/moderation/?status=spam"  # type: ignore[attr-defined]
    assert fresh(comment.id).status is end  # type: ignore[union-attr]
    event = db.session.scalars(
        db.select(ModerationEvent).order_by(ModerationEvent.id.desc())
    ).first()
    assert event is not None
    assert (event.action, event.from_status, event.to_status) == (action, start.value, end.value)
    assert event.moderator_id == moderator.id
    assert f"Comment #{comment.id}" in logged_in.client.get("/moderation/").text


def test_approving_publishes_at_once_and_rejecting_hides_again(
    logged_in: Auth, make_comment: Make
) -> None:
    comment = make_comment(body="Worth *reading*")
    client = logged_in.client
    assert "Worth" not in client.get(f"/embed/{ARTICLE_ID}").text
    act(logged_in, comment, "approve")
    assert "Worth <em>reading</em>" in client.get(f"/embed/{ARTICLE_ID}").text
    assert published(client) == ["<p>Worth <em>reading</em></p>"]
    act(logged_in, fresh(comment.id), "reject")  # type: ignore[arg-type]
    assert "Worth" not in client.get(f"/embed/{ARTICLE_ID}").text
    assert published(client) == []


def test_editing_changes_the_published_text(logged_in: Auth, make_comment: Make) -> None:
    comment = make_comment(Status.APPROVED, body="Teh film was great")
    response = logged_in.post(
        f"/moderation/comments/{comment.id}/edit",
        {"version": comment.version, "body": "The film was **great**"},
    )
    assert response.status_code == 303
    assert (
        "The film was <strong>great</strong>" in logged_in.client.get(f"/embed/{ARTICLE_ID}").text
    )
    assert "Teh" not in str(published(logged_in.client))
    page = logged_in.client.get(f"/moderation/comments/{comment.id}").text
    assert "edit" in page.split("History")[1]


def test_empty_edit_is_refused_with_the_reason(logged_in: Auth, make_comment: Make) -> None:
    comment = make_comment()
    response = logged_in.post(
        f"/moderation/comments/{comment.id}/edit", {"version": comment.version, "body": "  "}
    )
    assert response.status_code == 400
    assert "Please write something." in response.text
    assert fresh(comment.id).body == comment.body  # type: ignore[union-attr]


def test_delete_for_good(logged_in: Auth, make_comment: Make) -> None:
    comment = make_comment(Status.APPROVED, name="Gone Soon")
    comment_id = comment.id
    response = act(logged_in, comment, "delete", next=f"/moderation/comments/{comment_id}")
    assert response.headers["Location"] == "/moderation/"  # type: ignore[attr-defined]
    assert fresh(comment_id) is None
    assert published(logged_in.client) == []
    assert logged_in.client.get(f"/moderation/comments/{comment_id}").status_code == 404
    log = logged_in.client.get("/moderation/log").text
    # Deleted for good: the log says which comment, not who wrote it nor what it said.
    assert "delete" in log and f"#{comment_id}" in log
    assert "Gone Soon" not in log and "Comment number" not in log


def test_reply_as_the_site(logged_in: Auth, make_comment: Make, moderator: Moderator) -> None:
    parent = make_comment(name="Ada")
    response = logged_in.post(
        f"/moderation/comments/{parent.id}/reply",
        {"version": parent.version, "body": "Thank you, Ada!"},
    )
    assert response.status_code == 303
    assert fresh(parent.id).status is Status.APPROVED  # type: ignore[union-attr]
    data = logged_in.client.get(f"/api/articles/{ARTICLE_ID}/comments").get_json()
    reply = data["comments"][1]
    assert reply["by_moderator"] is True and reply["parent_id"] == parent.id
    assert "Thank you, Ada!" in reply["html"]
    assert "site reply" in logged_in.client.get(f"/embed/{ARTICLE_ID}").text


def test_reply_to_spam_is_refused(logged_in: Auth, make_comment: Make) -> None:
    parent = make_comment(Status.SPAM)
    response = logged_in.post(
        f"/moderation/comments/{parent.id}/reply", {"version": parent.version, "body": "Hi"}
    )
    assert response.status_code == 400
    assert "restore and approve it before replying" in response.text
    assert published(logged_in.client) == []


def test_history_is_shown_on_the_comment(logged_in: Auth, make_comment: Make) -> None:
    comment = make_comment()
    act(logged_in, comment, "approve")
    act(logged_in, fresh(comment.id), "spam")  # type: ignore[arg-type]
    page = logged_in.client.get(f"/moderation/comments/{comment.id}").text
    history = page.split('id="history-title"')[1]
    assert history.index("pending → approved") < history.index("approved → spam")
    assert "mod@example.com" in history


@pytest.mark.parametrize(
    "method, url",
    [
        ("get", "/moderation/comments/999"),
        ("post", "/moderation/comments/999/approve"),
        ("post", "/moderation/comments/999/delete"),
        ("post", "/moderation/comments/999/edit"),
        ("post", "/moderation/comments/999/reply"),
        ("post", "/moderation/comments/1/publish"),
        ("get", "/moderation/articles/no-such-article"),
        ("post", "/moderation/articles/no-such-article/close"),
        ("get", "/moderation/articles/..%2Fetc"),
    ],
)
def test_unknown_things_are_404(logged_in: Auth, make_comment: Make, method: str, url: str) -> None:
    make_comment()
    if method == "get":
        response = logged_in.client.get(url)
    else:
        response = logged_in.post(url, {"version": 1, "body": "x"})
    assert response.status_code == 404
    assert "<h1>404</h1>" in response.text


def test_a_missing_comment_page_keeps_the_dashboard_around(logged_in: Auth) -> None:
    response = logged_in.client.get("/moderation/comments/12345")
    assert response.status_code == 404
    assert "There is no comment #12345." in response.text
    assert "Back to the queue" in response.text and "Log out" in response.text


@pytest.mark.parametrize("version", [None, "", "abc", "0"])
def test_an_action_without_a_readable_version_is_a_400(
    logged_in: Auth, make_comment: Make, version: str | None
) -> None:
    comment = make_comment()
    data = {} if version is None else {"version": version}
    response = logged_in.post(f"/moderation/comments/{comment.id}/approve", data)
    assert response.status_code == 400
    assert fresh(comment.id).status is Status.PENDING  # type: ignore[union-attr]


def test_xhr_actions_answer_json(logged_in: Auth, make_comment: Make) -> None:
    comment = make_comment()
    response = logged_in.post(
        f"/moderation/comments/{comment.id}/approve",
        {"version": comment.version},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 200
    data = response.get_json()
    assert data["comment"] == {
        "id": comment.id,
        "status": "approved",
        "status_label": "approved",
        "version": 2,
    }
    assert data["counts"] == {"pending": 0, "approved": 1, "rejected": 0, "spam": 0}


# --- two moderators at once -------------------------------------------------------


def test_a_stale_action_is_refused_with_a_clear_message(
    logged_in: Auth, make_comment: Make, make_moderator: Callable[..., Moderator]
) -> None:
    comment = make_comment()
    seen = comment.version
    # Someone else approves it while this moderator still looks at the old page.
    domain.approve(comment, make_moderator("other@example.com"))
    db.session.commit()
    response = logged_in.post(
        f"/moderation/comments/{comment.id}/spam",
        {"version": seen, "next": "/moderation/?status=all"},
    )
    assert response.status_code == 303
    assert fresh(comment.id).status is Status.APPROVED  # type: ignore[union-attr]
    page = logged_in.client.get(response.headers["Location"]).text
    assert f"Comment #{comment.id} was changed by someone else" in page
    assert 'role="alert"' in page


def test_a_stale_xhr_action_is_a_409(logged_in: Auth, make_comment: Make) -> None:
    comment = make_comment()
    seen = comment.version
    domain.reject(comment, None)
    db.session.commit()
    response = logged_in.post(
        f"/moderation/comments/{comment.id}/approve",
        {"version": seen},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 409
    data = response.get_json()
    assert "was changed by someone else" in data["error"]
    assert data["comment"]["status"] == "rejected"


def test_a_stale_edit_keeps_the_typed_text(logged_in: Auth, make_comment: Make) -> None:
    comment = make_comment(body="Original")
    seen = comment.version
    domain.edit_comment(comment, "Fixed by a colleague", None)
    db.session.commit()
    response = logged_in.post(
        f"/moderation/comments/{comment.id}/edit", {"version": seen, "body": "My own fix"}
    )
    assert response.status_code == 409
    assert "was changed by someone else" in response.text
    assert "Fixed by a colleague" in response.text and "My own fix" in response.text
    assert fresh(comment.id).body == "Fixed by a colleague"  # type: ignore[union-attr]


def test_a_stale_delete_is_refused(logged_in: Auth, make_comment: Make) -> None:
    comment = make_comment()
    seen = comment.version
    domain.approve(comment, None)
    db.session.commit()
    response = logged_in.post(f"/moderation/comments/{comment.id}/delete", {"version": seen})
    assert response.status_code == 303
    assert fresh(comment.id) is not None


# --- many at once -----------------------------------------------------------------


def selection(*comments: Comment) -> list[str]:
    return [f"{c.id}:{c.version}" for c in comments]


@pytest.mark.parametrize(
    "action, status",
    [("approve", Status.APPROVED), ("reject", Status.REJECTED), ("spam", Status.SPAM)],
)
def test_bulk_actions(logged_in: Auth, make_comment: Make, action: str, status: Status) -> None:
    chosen = [make_comment(), make_comment()]
    left = make_comment()
    response = logged_in.post(
        "/moderation/bulk",
        {"action": action, "selected": selection(*chosen), "next": "/moderation/"},
    )
    assert response.status_code == 303
    assert [fresh(c.id).status for c in chosen] == [status, status]  # type: ignore[union-attr]
    assert fresh(left.id).status is Status.PENDING  # type: ignore[union-attr]
    assert "2 comments" in logged_in.client.get("/moderation/").text


def test_bulk_delete_of_a_comment_and_its_reply(logged_in: Auth, make_comment: Make) -> None:
    parent = make_comment(Status.APPROVED)
    reply = make_comment(parent=parent)
    other_reply = make_comment(parent=parent)
    parent_id, reply_id = parent.id, reply.id
    response = logged_in.post(
        "/moderation/bulk", {"action": "delete", "selected": selection(parent, reply)}
    )
    assert response.status_code == 303
    assert fresh(parent_id) is None and fresh(reply_id) is None
    kept = fresh(other_reply.id)
    assert kept is not None and kept.parent_id is None
    act(logged_in, kept, "approve")
    assert len(published(logged_in.client)) == 1


def test_bulk_delete_and_restore(logged_in: Auth, make_comment: Make) -> None:
    spam = [make_comment(Status.SPAM), make_comment(Status.SPAM)]
    logged_in.post("/moderation/bulk", {"action": "restore", "selected": selection(spam[0])})
    assert fresh(spam[0].id).status is Status.PENDING  # type: ignore[union-attr]
    deleted_id = spam[1].id
    logged_in.post("/moderation/bulk", {"action": "delete", "selected": selection(spam[1])})
    assert fresh(deleted_id) is None


def test_bulk_skips_what_changed_and_says_so(logged_in: Auth, make_comment: Make) -> None:
    ok, changed, deleted = make_comment(), make_comment(), make_comment()
    chosen = selection(ok, changed, deleted)
    domain.mark_spam(changed, None)
    domain.delete_comment(deleted, None)
    db.session.commit()
    response = logged_in.post("/moderation/bulk", {"action": "approve", "selected": chosen})
    assert response.status_code == 303
    assert fresh(ok.id).status is Status.APPROVED  # type: ignore[union-attr]
    assert fresh(changed.id).status is Status.SPAM  # type: ignore[union-attr]
    page = logged_in.client.get("/moderation/").text
    assert "1 comment approved." in page
    assert f"#{changed.id}, #{deleted.id}" in page


def test_bulk_needs_a_selection(logged_in: Auth, make_comment: Make) -> None:
    make_comment()
    response = logged_in.post("/moderation/bulk", {"action": "approve"})
    assert response.status_code == 303
    assert "Select at least one comment" in logged_in.client.get("/moderation/").text


@pytest.mark.parametrize(
    "data", [{"action": "publish", "selected": "1:1"}, {"action": "approve", "selected": "1;drop"}]
)
def test_bulk_refuses_what_it_cannot_read(
    logged_in: Auth, make_comment: Make, data: dict[str, str]
) -> None:
    comment = make_comment()
    assert logged_in.post("/moderation/bulk", data).status_code == 400
    assert fresh(comment.id).status is Status.PENDING  # type: ignore[union-attr]


# --- articles and the log ---------------------------------------------------------


def test_articles_list_with_counts(logged_in: Auth, make_comment: Make) -> None:
    make_comment()
    make_comment(Status.APPROVED)
    page = logged_in.client.get("/moderation/articles").text
    assert "A film review" in page
    assert f"/moderation/?status=approved&amp;article={ARTICLE_ID}" in page


def test_edit_an_article(logged_in: Auth, article: Article) -> None:
    url = f"/moderation/articles/{ARTICLE_ID}"
    page = logged_in.client.get(url).text
    assert 'value="A film review"' in page
    response = logged_in.post(url, {"title": "A better title", "url": "https://blog.example/b"})
    assert response.status_code == 303
    data = logged_in.client.get(f"/api/articles/{ARTICLE_ID}/comments").get_json()
    assert data["article"]["title"] == "A better title"
    assert data["article"]["url"] == "https://blog.example/b"
    refused = logged_in.post(url, {"title": "x", "url": "javascript:alert(1)"})
    assert refused.status_code == 400 and "must start with http" in refused.text


def test_close_and_reopen_comments(logged_in: Auth, article: Article, form_token: object) -> None:
    url = f"/moderation/articles/{ARTICLE_ID}"
    assert logged_in.post(f"{url}/close").status_code == 303
    embed = logged_in.client.get(f"/embed/{ARTICLE_ID}").text
    assert "Comments are closed." in embed
    assert "Reopen comments" in logged_in.client.get(url).text
    assert logged_in.post(f"{url}/reopen").status_code == 303
    assert "Leave a reply" in logged_in.client.get(f"/embed/{ARTICLE_ID}").text
    log = logged_in.client.get("/moderation/log").text
    assert "close" in log and "reopen" in log


def test_log_page_lists_actions_by_whom(logged_in: Auth, make_comment: Make) -> None:
    comment = make_comment()
    act(logged_in, comment, "approve")
    domain.reject(fresh(comment.id), None)  # type: ignore[arg-type]
    db.session.commit()
    log = logged_in.client.get("/moderation/log").text.split("<tbody>")[1]
    assert log.index("command line") < log.index("mod@example.com")
    assert "approved → rejected" in log and "pending → approved" in log
    assert f'href="/moderation/comments/{comment.id}"' in log


def test_the_email_shows_only_inside_the_dashboard(
    logged_in: Auth, make_comment: Make, client: FlaskClient
) -> None:
    comment = make_comment(email="private@example.org")
    act(logged_in, comment, "approve")
    assert (
        "private@example.org"
        in logged_in.client.get("/moderation/").text.replace("?status=pending", "")
        or "private@example.org" in logged_in.client.get("/moderation/?status=approved").text
    )
    assert "private@example.org" not in client.get(f"/embed/{ARTICLE_ID}").text
    assert "private@example.org" not in client.get(f"/api/articles/{ARTICLE_ID}/comments").text


def test_a_page_token_works_after_login(logged_in: Auth, make_comment: Make) -> None:
    comment = make_comment()
    page = logged_in.client.get("/moderation/").text
    response = logged_in.client.post(
        f"/moderation/comments/{comment.id}/approve",
        data={"csrf_token": csrf_from(page), "version": comment.version},
    )
    assert response.status_code == 303


def test_without_scripts_an_action_comes_back_to_the_next_comment(
    logged_in: Auth, make_comment: Make
) -> None:
    first, second = make_comment(), make_comment()
    page = logged_in.client.get("/moderation/").text
    form = page.split(f'action="/moderation/comments/{first.id}/approve"')[1].split("</form>")[0]
    assert f'name="next" value="/moderation/#comment-{second.id}"' in form
    response = act(logged_in, first, "approve", next=f"/moderation/#comment-{second.id}")
    assert response.headers["Location"] == f"/moderation/#comment-{second.id}"  # type: ignore[attr-defined]


def test_a_change_at_the_very_same_moment_is_a_conflict_too(
    logged_in: Auth, make_comment: Make, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The other moderator writes between our version check and our write."""
    comment = make_comment()
    check = moderation_ops._check_version

    def check_then_someone_else_writes(target: Comment, expected: int | None) -> None:
        check(target, expected)
        with db.engine.connect() as other:
            other.execute(
                db.update(Comment)
                .where(Comment.id == target.id)
                .values(status=Status.REJECTED, version=Comment.version + 1)
            )
            other.commit()

    monkeypatch.setattr(moderation_ops, "_check_version", check_then_someone_else_writes)
    response = logged_in.post(
        f"/moderation/comments/{comment.id}/approve",
        {"version": comment.version},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 409
    assert "at the same moment" in response.get_json()["error"]
    assert fresh(comment.id).status is Status.REJECTED  # type: ignore[union-attr]
    html = logged_in.post(
        f"/moderation/comments/{comment.id}/spam",
        {"version": fresh(comment.id).version},  # type: ignore[union-attr]
    )
    assert html.status_code == 303
    assert "at the same moment" in logged_in.client.get("/moderation/").text


def test_bulk_for_scripts_answers_json(logged_in: Auth, make_comment: Make) -> None:
    ok, changed = make_comment(), make_comment()
    chosen = selection(ok, changed)
    domain.mark_spam(changed, None)
    db.session.commit()
    response = logged_in.post(
        "/moderation/bulk",
        {"action": "reject", "selected": chosen},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 409
    assert response.get_json()["done"] == [ok.id]
    assert response.get_json()["skipped"] == [changed.id]
    # Nothing waits to be flashed on the next page.
    assert 'role="alert"' not in logged_in.client.get("/moderation/").text


def test_edit_and_reply_without_a_version_are_400(logged_in: Auth, make_comment: Make) -> None:
    comment = make_comment()
    for action in ("edit", "reply"):
        response = logged_in.post(f"/moderation/comments/{comment.id}/{action}", {"body": "x"})
        assert response.status_code == 400
        assert "out of date" in response.text
    assert fresh(comment.id).body == comment.body  # type: ignore[union-attr]
