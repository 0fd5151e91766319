"""The owner's settings pages over HTTP: who may see them, CSRF, each change in the log;
the moderators page (roles, the last owner, disabling), one's own display name, and
what moderators meet in the queue and on a comment's page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient

from moderation.accounts.models import Moderator, Role
from moderation.comments.models import Comment, ModerationEvent, Status
from moderation.extensions import db
from moderation.spam.models import (
    DEFAULT_HOLD_THRESHOLD,
    DEFAULT_SPAM_THRESHOLD,
    RuleAction,
    RuleKind,
    SpamRule,
    SpamSettings,
)

from .conftest import MODERATOR_EMAIL, MODERATOR_PASSWORD, Auth, csrf_from
from .helpers import post_comment

PAGES = ["/moderation/settings", "/moderation/settings/moderators"]


def events() -> list[ModerationEvent]:
    return list(db.session.scalars(db.select(ModerationEvent).order_by(ModerationEvent.id)))


def login_as(client: FlaskClient, email: str) -> Auth:
    auth = Auth(client)
    assert auth.login(email, MODERATOR_PASSWORD).status_code == 303
    return auth


@pytest.mark.parametrize("url", PAGES)
def test_only_owners_see_the_settings(
    app: Any, moderator: Moderator, make_moderator: Callable[..., Moderator], url: str
) -> None:
    assert moderator.role == Role.OWNER  # the first moderator is an owner
    make_moderator("plain@example.com", MODERATOR_PASSWORD)
    anonymous = app.test_client().get(url)
    assert anonymous.status_code == 302 and "/moderation/login" in anonymous.headers["Location"]
    plain = login_as(app.test_client(), "plain@example.com")
    refused = plain.client.get(url)
    assert refused.status_code == 403
    assert "Only an owner" in refused.text
    assert "Settings</a>" not in plain.client.get("/moderation/").text
    owner = login_as(app.test_client(), MODERATOR_EMAIL)
    assert owner.client.get(url).status_code == 200
    assert "Settings</a>" in owner.client.get("/moderation/").text


def test_a_moderator_cannot_post_to_the_settings_either(
    app: Any, moderator: Moderator, make_moderator: Callable[..., Moderator]
) -> None:
    make_moderator("plain@example.com", MODERATOR_PASSWORD)
    plain = login_as(app.test_client(), "plain@example.com")
    answer = plain.post(
        "/moderation/settings/rules",
        {"action": "spam", "kind": "word", "pattern": "casino", "look_in": ["body"]},
    )
    assert answer.status_code == 403
    assert db.session.scalars(db.select(SpamRule)).all() == []


def test_an_owner_adds_and_removes_a_rule_and_the_log_says_so(logged_in: Auth) -> None:
    answer = logged_in.post(
        "/moderation/settings/rules",
        {"action": "spam", "kind": "word", "pattern": "casino", "look_in": ["name", "body"]},
    )
    assert answer.status_code == 303
    page = logged_in.client.get("/moderation/settings")
    assert "Rule #1 added: spam word &#39;casino&#39; in name, text." in page.text
    [rule] = db.session.scalars(db.select(SpamRule)).all()
    assert (rule.action, rule.kind, rule.pattern, rule.fields) == (
        RuleAction.SPAM,
        RuleKind.WORD,
        "casino",
        "name body",
    )
    assert logged_in.post(f"/moderation/settings/rules/{rule.id}/delete").status_code == 303
    assert db.session.scalars(db.select(SpamRule)).all() == []
    log = logged_in.client.get("/moderation/log").text
    assert "rule added" in log and "rule removed" in log
    assert [e.action for e in events()] == ["rule added", "rule removed"]


def test_a_bad_rule_comes_back_with_the_reason(logged_in: Auth) -> None:
    answer = logged_in.post(
        "/moderation/settings/rules",
        {"action": "spam", "kind": "regex", "pattern": "(a+)+$", "look_in": ["body"]},
    )
    assert answer.status_code == 400
    assert "can take far too long" in answer.text
    assert 'value="(a+)+$"' in answer.text  # what was typed stays in the box
    nowhere = logged_in.post(
        "/moderation/settings/rules",
        {"action": "spam", "kind": "word", "pattern": "casino"},
    )
    assert nowhere.status_code == 400 and "Choose where to look" in nowhere.text
    odd = logged_in.post(
        "/moderation/settings/rules",
        {"action": "explode", "kind": "word", "pattern": "x", "look_in": ["body"]},
    )
    assert odd.status_code == 400
    assert events() == []


def test_every_settings_form_needs_its_csrf_token(logged_in: Auth, client: FlaskClient) -> None:
    for url, data in [
        ("/moderation/settings/rules", {"action": "spam", "kind": "word", "pattern": "x"}),
        ("/moderation/settings/checks", {"max_links": "5"}),
        ("/moderation/settings/moderators/1/role", {"role": "moderator"}),
        ("/moderation/settings/moderators/1/disable", {}),
        ("/moderation/settings/moderators/invite", {"email": "new@example.com"}),
        ("/moderation/account", {"display_name": "Ed"}),
    ]:
        answer = client.post(url, data=data)
        assert answer.status_code == 400, url
    assert events() == []


def test_the_checks_settings_are_saved_and_logged(logged_in: Auth) -> None:
    answer = logged_in.post(
        "/moderation/settings/checks",
        {
            "max_links": "1",
            "spam_threshold": "0.995",
            "hold_threshold": "0.9",
            "returning_authors": "confirmed",
        },
    )
    assert answer.status_code == 303
    row = db.session.get(SpamSettings, 1)
    assert row is not None
    assert (row.max_links, row.spam_threshold, row.hold_threshold) == (1, 0.995, 0.9)
    [event] = events()
    assert event.action == "settings" and "max links 3 → 1" in event.detail
    bad = logged_in.post(
        "/moderation/settings/checks",
        {
            "max_links": "-4",
            "spam_threshold": "0.7",
            "hold_threshold": "0.9",
            "returning_authors": "confirmed",
        },
    )
    assert bad.status_code == 400 and "Number must be between" in bad.text


# --- moderators -------------------------------------------------------------------------


def test_roles_change_but_the_last_owner_stays(
    logged_in: Auth, moderator: Moderator, make_moderator: Callable[..., Moderator]
) -> None:
    other = make_moderator("other@example.com")
    demote_self = logged_in.post(
        f"/moderation/settings/moderators/{moderator.id}/role", {"role": "moderator"}
    )
    assert demote_self.status_code == 303
    page = logged_in.client.get("/moderation/settings/moderators").text
    assert "is the last active owner" in page
    assert db.session.get(Moderator, moderator.id).role == Role.OWNER  # type: ignore[union-attr]
    disable_self = logged_in.post(f"/moderation/settings/moderators/{moderator.id}/disable")
    assert disable_self.status_code == 303
    assert db.session.get(Moderator, moderator.id).active  # type: ignore[union-attr]

    assert (
        logged_in.post(
            f"/moderation/settings/moderators/{other.id}/role", {"role": "owner"}
        ).status_code
        == 303
    )
    assert db.session.get(Moderator, other.id).role == Role.OWNER  # type: ignore[union-attr]
    assert logged_in.post(f"/moderation/settings/moderators/{other.id}/disable").status_code == 303
    assert not db.session.get(Moderator, other.id).active  # type: ignore[union-attr]
    assert logged_in.post(f"/moderation/settings/moderators/{other.id}/enable").status_code == 303
    assert db.session.get(Moderator, other.id).active  # type: ignore[union-attr]
    assert [(e.action, e.detail) for e in events()] == [
        ("role", f"moderator #{other.id}: moderator → owner"),
        ("disabled", f"moderator #{other.id}"),
        ("enabled", f"moderator #{other.id}"),
    ]
    # The log can show what one moderator did.
    mine = logged_in.client.get(f"/moderation/log?moderator={moderator.id}").text
    assert mine.count("<tr>") == 1 + 3  # the header and three changes
    theirs = logged_in.client.get(f"/moderation/log?moderator={other.id}").text
    assert "Nothing has happened yet." in theirs
    assert logged_in.client.get("/moderation/log?moderator=nonsense").status_code == 200


def test_an_unknown_moderator_is_a_404(logged_in: Auth) -> None:
    assert logged_in.post("/moderation/settings/moderators/999/disable").status_code == 404
    assert (
        logged_in.post("/moderation/settings/moderators/99999999999/role", {"role": "owner"})
    ).status_code == 404


def test_site_replies_are_signed_with_the_display_name(
    logged_in: Auth, make_comment: Callable[..., Comment]
) -> None:
    answer = logged_in.post("/moderation/account", {"display_name": "  Ed   the Editor "})
    assert answer.status_code == 303
    parent = make_comment(Status.APPROVED)
    reply = logged_in.post(
        f"/moderation/comments/{parent.id}/reply", {"body": "Thanks!", "version": parent.version}
    )
    assert reply.status_code == 303
    written = db.session.scalars(db.select(Comment).order_by(Comment.id.desc())).first()
    assert written is not None and written.author_name == "Ed the Editor"
    fragment = logged_in.client.get(f"/embed/{parent.article_id}/fragment").text
    assert "Ed the Editor" in fragment and "site reply" in fragment
    assert "Moderator" not in fragment and MODERATOR_EMAIL not in fragment
    too_long = logged_in.post("/moderation/account", {"display_name": "x" * 101})
    assert too_long.status_code == 400


def test_next_pending_leads_on_from_the_comment_page(
    logged_in: Auth, make_comment: Callable[..., Comment]
) -> None:
    first, second, third = (make_comment() for _ in range(3))
    answer = logged_in.post(
        f"/moderation/comments/{first.id}/approve",
        {"version": first.version, "next": f"/moderation/comments/{first.id}"},
    )
    page = logged_in.client.get(answer.headers["Location"]).text
    assert f'href="/moderation/comments/{second.id}" rel="next">Next pending' in page
    last = logged_in.client.get(f"/moderation/comments/{third.id}").text
    assert f'href="/moderation/comments/{second.id}" rel="next">Next pending' in last
    for c in (second, third):
        logged_in.post(f"/moderation/comments/{c.id}/spam", {"version": c.version})
    assert (
        "No other comment waits." in logged_in.client.get(f"/moderation/comments/{first.id}").text
    )


def test_the_bulk_select_starts_on_a_placeholder(
    logged_in: Auth, make_comment: Callable[..., Comment]
) -> None:
    make_comment()
    page = logged_in.client.get("/moderation/").text
    select = page.split('<select id="bulk-action"', 1)[1].split("</select>", 1)[0]
    assert '<option value="" selected disabled>Bulk actions…</option>' in select
    assert "required" in select.split(">", 1)[0]
    assert 'data-confirm-delete="Delete the selected comments for good?"' in page
    # Sent without choosing (no JavaScript, an old browser): nothing happens.
    c = make_comment()
    answer = logged_in.post("/moderation/bulk", {"action": "", "selected": [f"{c.id}:1"]})
    assert answer.status_code == 400
    assert db.session.get(Comment, c.id).status == Status.PENDING  # type: ignore[union-attr]


def test_the_csrf_token_helper_reads_settings_pages(logged_in: Auth) -> None:
    assert csrf_from(logged_in.client.get("/moderation/settings").text)


def test_trusted_authors_are_published_when_the_owner_says_so(
    logged_in: Auth, client: FlaskClient, form_token: Callable[..., str], article: Any
) -> None:
    from moderation.notify.addresses import address_for, confirm

    first = post_comment(client, form_token(), email="ada@example.org", body="First words")
    logged_in.post(f"/moderation/comments/{first.json['id']}/approve", {"version": 1})
    second = post_comment(client, form_token(), email="ada@example.org", body="Second words")
    assert db.session.get(Comment, second.json["id"]).status == Status.PENDING  # type: ignore[union-attr]
    logged_in.post(
        "/moderation/settings/checks",
        {
            "max_links": "3",
            "spam_threshold": str(DEFAULT_SPAM_THRESHOLD),
            "hold_threshold": str(DEFAULT_HOLD_THRESHOLD),
            "returning_authors": "confirmed",
        },
    )
    # A typed, unconfirmed address earns nothing.
    third = post_comment(client, form_token(), email="ada@example.org", body="Third words")
    assert db.session.get(Comment, third.json["id"]).status == Status.PENDING  # type: ignore[union-attr]
    confirm(address_for("ada@example.org"))
    db.session.commit()
    fourth = post_comment(client, form_token(), email="ADA@example.org", body="Fourth words")
    published = db.session.get(Comment, fourth.json["id"])
    assert published is not None and published.status == Status.APPROVED
    assert published.trained_as is None  # no moderator decided: the filter learns nothing
    # Confirmed, but never published before: waits like everyone.
    confirm(address_for("bo@example.org"))
    db.session.commit()
    new = post_comment(client, form_token(), email="bo@example.org", body="Hello")
    assert db.session.get(Comment, new.json["id"]).status == Status.PENDING  # type: ignore[union-attr]
    # Anything a rule holds is held, trusted or not.
    held = post_comment(
        client,
        form_token(),
        email="ada@example.org",
        body="http://a.example http://b.example http://c.example http://d.example",
    )
    assert db.session.get(Comment, held.json["id"]).status == Status.PENDING  # type: ignore[union-attr]
    log = [e for e in events() if e.comment_id == published.id]
    assert [(e.action, e.moderator_id) for e in log] == [("approve", None)]
    assert "trusted author" in log[0].detail


def test_the_blocklist_words_are_there_when_an_owner_saves_first(
    make_app: Callable[..., Any], make_moderator: Callable[..., Moderator]
) -> None:
    """Settings saved before any comment arrived still start from MODERATION_BLOCKLIST."""
    app = make_app(BLOCKLIST="casino")
    with app.app_context():
        make_moderator(MODERATOR_EMAIL, MODERATOR_PASSWORD)
    owner = login_as(app.test_client(), MODERATOR_EMAIL)
    assert "&#39;casino&#39;" in owner.client.get("/moderation/settings").text
    owner.post(
        "/moderation/settings/checks",
        {
            "max_links": "5",
            "spam_threshold": str(DEFAULT_SPAM_THRESHOLD),
            "hold_threshold": str(DEFAULT_HOLD_THRESHOLD),
            "returning_authors": "premoderate",
        },
    )
    with app.app_context():
        stored = [(r.action, r.pattern) for r in db.session.scalars(db.select(SpamRule))]
        assert stored == [(RuleAction.HOLD, "casino")]
