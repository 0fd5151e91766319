"""The reader's own comment: changed or deleted within the edit window, with the signed
token the post answered with; refused after it, or with another comment's token."""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from moderation import comments as domain
from moderation.comments.models import Comment, ModerationEvent, Status
from moderation.extensions import db

from .conftest import ARTICLE_ID
from .helpers import post_comment
from .openapi_contract import assert_conforms

API = f"/api/articles/{ARTICLE_ID}/comments"


def posted(client: FlaskClient, form_token: Callable[..., str], **fields: Any) -> dict[str, Any]:
    response = post_comment(client, form_token(), **fields)
    assert response.status_code == 202, response.text
    answer = response.json
    assert answer["edit_token"] and answer["edit_until"].endswith("Z")
    return answer


def test_a_pending_comment_is_edited_and_stays_pending(
    client: FlaskClient, form_token: Callable[..., str], article: object
) -> None:
    answer = posted(client, form_token, body="Teh film")
    url = f"{API}/{answer['id']}"
    edit = client.patch(url, json={"edit_token": answer["edit_token"], "body": "The *film*"})
    assert edit.status_code == 200, edit.text
    assert edit.json["status"] == "pending"
    assert edit.json["message"] == "Your comment was changed; it is still awaiting moderation."
    assert "<em>film</em>" in edit.json["comment_html"]
    assert_conforms("PATCH", url, edit)
    comment = db.session.get(Comment, answer["id"])
    assert comment is not None and comment.body == "The *film*"
    assert comment.status == Status.PENDING
    # The moderators' log keeps what it said before.
    event = db.session.scalars(
        db.select(ModerationEvent).where(ModerationEvent.action == "reader edit")
    ).one()
    assert event.detail == "Teh film" and event.moderator_id is None


def test_an_approved_comment_edited_goes_back_to_pending_and_says_so(
    client: FlaskClient, form_token: Callable[..., str], article: object
) -> None:
    answer = posted(client, form_token, body="Shown first")
    comment = db.session.get(Comment, answer["id"])
    assert comment is not None
    domain.approve(comment)
    db.session.commit()
    etag = client.get(API).headers["ETag"]
    edit = client.patch(
        f"{API}/{answer['id']}", json={"edit_token": answer["edit_token"], "body": "Changed"}
    )
    assert edit.json == edit.json | {
        "status": "pending",
        "message": "Your comment was changed and is awaiting moderation again.",
    }
    same = client.patch(
        f"{API}/{answer['id']}", json={"edit_token": answer["edit_token"], "body": "Changed"}
    )
    assert same.json["status"] == "pending"
    after = client.get(API, headers={"If-None-Match": etag})
    assert after.status_code == 200 and after.json["comments"] == []


def test_a_deleted_comment_is_gone_and_its_old_texts_too(
    client: FlaskClient, form_token: Callable[..., str], article: object
) -> None:
    answer = posted(client, form_token, body="First words")
    token = answer["edit_token"]
    url = f"{API}/{answer['id']}"
    assert client.patch(url, json={"edit_token": token, "body": "Second words"}).status_code == 200
    gone = client.delete(url, json={"edit_token": token})
    assert gone.status_code == 200 and gone.json["deleted"] is True
    assert_conforms("DELETE", url, gone)
    assert db.session.get(Comment, answer["id"]) is None
    actions = db.session.scalars(db.select(ModerationEvent.action)).all()
    assert actions == ["reader edit", "reader delete"]
    details = db.session.scalars(db.select(ModerationEvent.detail)).all()
    assert "First words" not in details
    again = client.delete(url, json={"edit_token": token})
    assert again.status_code == 403 and again.json["error"] == "This comment was deleted."
    assert_conforms("DELETE", url, again)


def test_the_preview_renders_like_a_published_comment(client: FlaskClient) -> None:
    response = client.post("/api/preview", json={"body": "A *fine* <script>x</script>film"})
    assert response.status_code == 200
    assert "<em>fine</em>" in response.json["html"] and "<script" not in response.json["html"]
    assert_conforms("POST", "/api/preview", response)
    too_long = client.post("/api/preview", json={"body": "x" * 10_001})
    assert too_long.status_code == 400
    assert_conforms("POST", "/api/preview", too_long)


def test_changes_are_refused_after_the_window_or_with_another_token(
    make_app: Callable[..., Flask],
    client: FlaskClient,
    form_token: Callable[..., str],
    article: object,
) -> None:
    first = posted(client, form_token, body="One")
    second = posted(client, form_token, body="Two")
    crossed = client.patch(
        f"{API}/{first['id']}", json={"edit_token": second["edit_token"], "body": "Hijack"}
    )
    assert crossed.status_code == 403
    forged = client.delete(f"{API}/{first['id']}", json={"edit_token": "not-a-token"})
    assert forged.status_code == 403
    assert client.patch(f"{API}/{first['id']}", json={"body": "x"}).status_code == 403
    empty = client.patch(
        f"{API}/{first['id']}", json={"edit_token": first["edit_token"], "body": ""}
    )
    assert empty.status_code == 400 and "body" in empty.json["errors"]
    # Fifteen minutes later (the default window), the same token is refused.
    comment = db.session.get(Comment, first["id"])
    assert comment is not None
    comment.created_at -= timedelta(minutes=16)
    db.session.commit()
    late = client.patch(
        f"{API}/{first['id']}", json={"edit_token": first["edit_token"], "body": "Late"}
    )
    assert late.status_code == 403
    assert late.json["error"] == "The time to change this comment has passed."
    assert db.session.get(Comment, first["id"]).body == "One"  # type: ignore[union-attr]
    # A window of 0 hands out no token at all.
    closed = make_app(EDIT_WINDOW_MINUTES=0).test_client()
    response = post_comment(closed, form_token())
    assert response.status_code == 202 and "edit_token" not in response.json


def test_a_rejected_comment_can_no_longer_be_changed(
    client: FlaskClient, form_token: Callable[..., str], article: object
) -> None:
    answer = posted(client, form_token)
    comment = db.session.get(Comment, answer["id"])
    assert comment is not None
    domain.reject(comment)
    db.session.commit()
    edit = client.patch(
        f"{API}/{answer['id']}", json={"edit_token": answer["edit_token"], "body": "x"}
    )
    assert edit.status_code == 403


def test_other_sites_cannot_change_comments(
    client: FlaskClient, form_token: Callable[..., str], article: object
) -> None:
    answer = posted(client, form_token)
    response = client.patch(
        f"{API}/{answer['id']}",
        json={"edit_token": answer["edit_token"], "body": "x"},
        headers={"Origin": "http://evil.example"},
    )
    assert response.status_code == 403
    preflight = client.options(
        f"{API}/{answer['id']}",
        headers={"Origin": "http://blog.example", "Access-Control-Request-Method": "PATCH"},
    )
    assert "PATCH" in preflight.headers["Access-Control-Allow-Methods"]
    assert "DELETE" in preflight.headers["Access-Control-Allow-Methods"]


def test_without_javascript_the_notice_links_to_a_page_to_change_or_delete(
    client: FlaskClient, form_token: Callable[..., str], article: object
) -> None:
    sent = client.post(
        f"/embed/{ARTICLE_ID}",
        data={"name": "Ada", "email": "ada@example.org", "body": "Frist", "token": form_token()},
    )
    assert sent.status_code == 303
    landing = client.get(sent.headers["Location"])
    assert landing.headers["Referrer-Policy"] == "no-referrer"
    html = landing.get_data(as_text=True)
    link = re.search(
        r'<a class="mc-own-link" href="([^"]+)">Change or delete your comment</a>', html
    )
    assert link, html
    mine = client.get(link.group(1).replace("&amp;", "&"))
    assert mine.status_code == 200 and "Frist" in mine.get_data(as_text=True)
    token = re.search(r'name="edit_token" type="hidden" value="([^"]+)"', mine.text)
    assert token
    saved = client.post(
        f"/embed/{ARTICLE_ID}/mine",
        data={"edit_token": token.group(1), "body": "First", "action": "save"},
    )
    assert saved.status_code == 200 and "still awaiting moderation" in saved.text
    deleted = client.post(
        f"/embed/{ARTICLE_ID}/mine", data={"edit_token": token.group(1), "action": "delete"}
    )
    assert deleted.status_code == 303
    assert "Your comment was deleted." in client.get(deleted.headers["Location"]).text
    assert db.session.scalar(db.select(db.func.count()).select_from(Comment)) == 0
    refused = client.get(link.group(1).replace("&amp;", "&"))
    assert refused.status_code == 403 and "This comment was deleted." in refused.text


def test_the_access_log_leaves_out_edit_tokens() -> None:
    path = Path(__file__).resolve().parents[1] / "gunicorn.conf.py"
    spec = importlib.util.spec_from_file_location("gunicorn_conf", path)
    assert spec and spec.loader
    conf = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(conf)
    assert conf.carries_secret("posted=1&edit=abc.def")
    assert conf.carries_secret("edit=abc")
    assert not conf.carries_secret("before=12&sort=newest")
    assert not conf.carries_secret("editor=1")


def test_moderators_see_the_edit_history_in_the_log(
    client: FlaskClient, form_token: Callable[..., str], article: object, logged_in: Any
) -> None:
    answer = posted(client, form_token, body="Teh first version")
    url = f"{API}/{answer['id']}"
    edited = client.patch(url, json={"edit_token": answer["edit_token"], "body": "Fixed"})
    assert edited.status_code == 200
    page = logged_in.client.get(f"/moderation/comments/{answer['id']}").get_data(as_text=True)
    assert "edit by its author" in page and "it said: Teh first version" in page
    assert "its author" in page


def test_sending_the_same_text_again_changes_nothing(
    client: FlaskClient, form_token: Callable[..., str], article: object
) -> None:
    answer = posted(client, form_token, body="Kept as it is")
    comment = db.session.get(Comment, answer["id"])
    assert comment is not None
    domain.approve(comment)
    db.session.commit()
    url = f"{API}/{answer['id']}"
    same = client.patch(url, json={"edit_token": answer["edit_token"], "body": "Kept as it is"})
    assert same.status_code == 200
    assert same.json["status"] == "approved"
    assert same.json["message"] == "Your comment was not changed."
    assert_conforms("PATCH", url, same)
    assert (
        db.session.scalar(
            db.select(db.func.count())
            .select_from(ModerationEvent)
            .where(ModerationEvent.action == "reader edit")
        )
        == 0
    )
