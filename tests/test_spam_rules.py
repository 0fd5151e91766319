"""The owner's spam rules, without HTTP: each kind of rule, where it looks, what it does,
the regular-expression checks, the settings, and rules applying at once everywhere."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from flask import Flask

from moderation import comments as domain
from moderation.accounts.models import Moderator
from moderation.comments import settings as owner
from moderation.comments.models import Comment, ModerationEvent, Status
from moderation.core.exceptions import DomainError
from moderation.extensions import db
from moderation.spam import rules
from moderation.spam.checks import check_submission
from moderation.spam.models import (
    DEFAULT_HOLD_THRESHOLD,
    DEFAULT_SPAM_THRESHOLD,
    ReturningAuthors,
    RuleAction,
    RuleKind,
    SpamRule,
)

from .conftest import ARTICLE_ID
from .helpers import post_comment


def verdict(**fields: str):  # type: ignore[no-untyped-def]
    submission = {"name": "Ann", "email": "ann@example.org", "website": "", "body": "Nice post"}
    ip = fields.pop("ip", "198.51.100.7")
    submission.update(fields)
    return check_submission(honeypot="", rules=rules.current_rules(), ip=ip, **submission)


def add(action: RuleAction, kind: RuleKind, pattern: str, *fields: str) -> SpamRule:
    rule = rules.add_rule(action, kind, pattern, fields or rules.TEXT_FIELDS)
    db.session.commit()
    return rule


def test_a_spam_word_bins_and_says_which_rule(app: Flask) -> None:
    rule = add(RuleAction.SPAM, RuleKind.WORD, "casino")
    result = verdict(body="Best CASINO in town")
    assert result.spam
    assert result.codes == ["spam-word"]
    assert result.reason == f"matched word 'casino' in the text (rule #{rule.id})"


def test_a_hold_word_holds_without_binning(app: Flask) -> None:
    add(RuleAction.HOLD, RuleKind.WORD, "crypto")
    result = verdict(name="Crypto King")
    assert not result.spam and result.codes == ["hold-word"]
    assert "in the name" in result.reason


def test_words_match_whole_words_only(app: Flask) -> None:
    add(RuleAction.SPAM, RuleKind.WORD, "ass")
    assert not verdict(body="A classic, first class film").spam
    assert verdict(body="what an ass").spam


def test_a_rule_looks_only_where_it_is_told(app: Flask) -> None:
    add(RuleAction.SPAM, RuleKind.WORD, "pills", "website")
    assert not verdict(body="pills").spam
    assert verdict(website="https://pills.example").spam


def test_a_regular_expression_matches_any_case(app: Flask) -> None:
    add(RuleAction.SPAM, RuleKind.REGEX, r"v[i1]agr[a@]", "body")
    assert verdict(body="cheap V1AGR@ here").spam
    assert not verdict(body="a vague remark").spam


def test_a_pattern_on_the_address_matches_the_ip(app: Flask) -> None:
    add(RuleAction.HOLD, RuleKind.REGEX, r"^203\.0\.113\.", "ip")
    assert verdict(ip="203.0.113.9").codes == ["hold-regex"]
    assert verdict(ip="198.51.100.9").codes == []


@pytest.mark.parametrize(
    "pattern",
    [r"(a+)+$", r"(\w+\s?)+$", r"^(a|aa)+$", r"(x+x+)+y", r"(q+)+$"],
)
def test_a_regular_expression_that_backtracks_without_end_is_refused(
    app: Flask, pattern: str
) -> None:
    started = time.monotonic()
    with pytest.raises(DomainError, match="too long|too slow") as caught:
        rules.add_rule(RuleAction.SPAM, RuleKind.REGEX, pattern, ["body"])
    assert caught.value.field == "pattern"
    assert time.monotonic() - started < 10
    assert db.session.scalars(db.select(SpamRule)).all() == []


def test_a_broken_regular_expression_is_refused_with_the_reason(app: Flask) -> None:
    with pytest.raises(DomainError, match="cannot be read"):
        rules.add_rule(RuleAction.SPAM, RuleKind.REGEX, "(unclosed", ["body"])


def test_blocked_addresses_domains_and_ranges(app: Flask) -> None:
    add(RuleAction.SPAM, RuleKind.EMAIL, "Bad@Example.ORG")
    add(RuleAction.SPAM, RuleKind.DOMAIN, "@spam.example")
    add(RuleAction.SPAM, RuleKind.NETWORK, "203.0.113.0/24")
    add(RuleAction.SPAM, RuleKind.NETWORK, "2001:db8::/32")
    assert verdict(email="bad@example.org").codes == ["spam-email"]
    assert verdict(email="someone@mail.spam.example").codes == ["spam-domain"]
    assert verdict(email="someone@notspam.example").codes == []
    assert verdict(ip="203.0.113.200").codes == ["spam-network"]
    assert verdict(ip="2001:db8::1").codes == ["spam-network"]
    assert verdict(ip="198.51.100.1").codes == []
    assert verdict(ip="").codes == []  # no address known: nothing to match


@pytest.mark.parametrize(
    ("kind", "pattern", "message"),
    [
        (RuleKind.EMAIL, "not-an-address", "one address"),
        (RuleKind.DOMAIN, "localhost", "a domain"),
        (RuleKind.NETWORK, "203.0.113.0/33", "IP address or a range"),
        (RuleKind.WORD, "   ", "Enter"),
        (RuleKind.WORD, "x" * 301, "under 300"),
        (RuleKind.WORD, "nul\x00", "Control characters"),
    ],
)
def test_bad_patterns_are_refused(app: Flask, kind: RuleKind, pattern: str, message: str) -> None:
    with pytest.raises(DomainError, match=message):
        rules.add_rule(RuleAction.SPAM, kind, pattern, ["body"])


def test_the_same_rule_twice_is_refused(app: Flask) -> None:
    add(RuleAction.SPAM, RuleKind.WORD, "casino")
    with pytest.raises(DomainError, match="there already"):
        rules.add_rule(RuleAction.SPAM, RuleKind.WORD, "casino", ["body"])


def test_more_links_than_the_setting_are_held(app: Flask) -> None:
    three = "http://a.example http://b.example http://c.example"
    assert verdict(body=three).codes == []
    rules.save_settings(
        rules.SettingsChange(
            max_links=2,
            spam_threshold=DEFAULT_SPAM_THRESHOLD,
            hold_threshold=DEFAULT_HOLD_THRESHOLD,
            returning_authors=ReturningAuthors.PREMODERATE,
        )
    )
    db.session.commit()
    result = verdict(body=three)
    assert result.codes == ["links"] and "3 links" in result.reason and not result.spam


def test_settings_are_checked(app: Flask) -> None:
    def change(**values: object) -> rules.SettingsChange:
        base: dict[str, object] = {
            "max_links": 3,
            "spam_threshold": DEFAULT_SPAM_THRESHOLD,
            "hold_threshold": DEFAULT_HOLD_THRESHOLD,
            "returning_authors": ReturningAuthors.PREMODERATE,
        }
        base.update(values)
        return rules.SettingsChange(**base)  # type: ignore[arg-type]

    with pytest.raises(DomainError, match="between 0 and"):
        rules.save_settings(change(max_links=-1))
    with pytest.raises(DomainError, match="between 0.5 and 1"):
        rules.save_settings(change(spam_threshold=1.5))
    with pytest.raises(DomainError, match="cannot be above"):
        rules.save_settings(change(hold_threshold=0.95, spam_threshold=0.9))
    assert rules.save_settings(change()) == []
    assert rules.save_settings(change(max_links=5)) == ["max links 3 → 5"]


def test_the_blocklist_setting_is_the_first_hold_list(make_app: Callable[..., Flask]) -> None:
    app = make_app(BLOCKLIST=["casino", "pills"])
    with app.app_context():
        ruleset = rules.current_rules(app.config["BLOCKLIST"])
        db.session.commit()
        stored = [(r.action, r.kind, r.pattern) for r in rules.list_rules()]
        assert stored == [
            (RuleAction.HOLD, RuleKind.WORD, "casino"),
            (RuleAction.HOLD, RuleKind.WORD, "pills"),
        ]
        assert len(ruleset.rules) == 2
        # Once the owner edits them, the setting does not bring them back.
        for rule in rules.list_rules():
            rules.remove_rule(rule)
        db.session.commit()
        assert rules.current_rules(app.config["BLOCKLIST"]).rules == ()


def test_a_change_applies_at_once_in_another_process(
    make_app: Callable[..., Flask], form_token: Callable[..., str], article: object
) -> None:
    """Two apps on one database stand for two workers: each keeps its compiled rules
    only while the settings' version is the same."""
    first, second = make_app(), make_app()
    client = second.test_client()
    with second.app_context():
        assert post_comment(client, form_token(), body="casino tonight").status_code == 202
    with first.app_context():
        rules.add_rule(RuleAction.SPAM, RuleKind.WORD, "casino", ["body"])
        db.session.commit()
    with second.app_context():
        posted = post_comment(client, form_token(), body="casino again")
        comment = db.session.get(Comment, posted.json["id"])
        assert comment is not None and comment.status == Status.SPAM
        assert comment.held_rules == "spam-word"


def test_every_change_goes_to_the_audit_log(app: Flask, moderator: Moderator) -> None:
    rule = owner.add_rule(moderator, RuleAction.SPAM, RuleKind.DOMAIN, "spam.example", [])
    owner.remove_rule(moderator, rule)
    owner.save_settings(
        moderator,
        rules.SettingsChange(
            max_links=4,
            spam_threshold=DEFAULT_SPAM_THRESHOLD,
            hold_threshold=DEFAULT_HOLD_THRESHOLD,
            returning_authors=ReturningAuthors.CONFIRMED,
        ),
    )
    db.session.commit()
    events = db.session.scalars(db.select(ModerationEvent).order_by(ModerationEvent.id)).all()
    assert [(e.action, e.moderator_id) for e in events] == [
        ("rule added", moderator.id),
        ("rule removed", moderator.id),
        ("settings", moderator.id),
    ]
    assert "spam domain 'spam.example'" in events[0].detail
    assert events[2].detail == "max links 3 → 4; returning authors premoderate → confirmed"


def test_only_an_owner_changes_the_rules(
    app: Flask, make_moderator: Callable[..., Moderator]
) -> None:
    make_moderator("owner@example.com")
    plain = make_moderator("plain@example.com")
    with pytest.raises(DomainError, match="Only an owner"):
        owner.add_rule(plain, RuleAction.SPAM, RuleKind.WORD, "casino", ["body"])


def test_a_duplicate_comment_is_refused_with_a_clear_message(
    client: object, article: object, form_token: Callable[..., str]
) -> None:
    first = post_comment(client, form_token(), body="Exactly this.")  # type: ignore[arg-type]
    again = post_comment(client, form_token(), body="Exactly this.")  # type: ignore[arg-type]
    assert first.status_code == 202
    assert again.status_code == 400
    assert "sent this very comment here already" in again.json["errors"]["body"][0]
    other = post_comment(client, form_token(), body="Exactly this.", email="bo@example.org")  # type: ignore[arg-type]
    assert other.status_code == 202  # another author may say the same
    assert db.session.scalar(db.select(db.func.count()).select_from(Comment)) == 2


def test_a_duplicate_older_than_a_day_is_welcome(
    client: object, article: object, form_token: Callable[..., str]
) -> None:
    from datetime import timedelta

    first = post_comment(client, form_token(), body="Once a day.")  # type: ignore[arg-type]
    comment = db.session.get(Comment, first.json["id"])
    assert comment is not None
    comment.created_at = comment.created_at - timedelta(days=1, minutes=1)
    db.session.commit()
    assert post_comment(client, form_token(), body="Once a day.").status_code == 202  # type: ignore[arg-type]


def test_the_queue_filters_by_reason(
    logged_in: object, form_token: Callable[..., str], article: object, client: object
) -> None:
    rules.add_rule(RuleAction.HOLD, RuleKind.WORD, "crypto", ["body"])
    db.session.commit()
    held = post_comment(client, form_token(), body="crypto news")  # type: ignore[arg-type]
    plain = post_comment(client, form_token(), body="plain words")  # type: ignore[arg-type]
    page = logged_in.client.get("/moderation/?status=pending&reason=hold-word")  # type: ignore[attr-defined]
    assert f'id="comment-{held.json["id"]}"' in page.text
    assert f'id="comment-{plain.json["id"]}"' not in page.text
    assert "matched word &#39;crypto&#39; in the text" in page.text
    every = logged_in.client.get("/moderation/?status=pending&reason=nonsense")  # type: ignore[attr-defined]
    assert f'id="comment-{plain.json["id"]}"' in every.text
    _ = ARTICLE_ID, domain


def test_a_slow_stored_pattern_is_cut_short_not_the_service(
    client: object, article: object, form_token: Callable[..., str]
) -> None:
    """A pattern that got into the table some other way (an older check, a hand edit)
    runs with a time limit: the comment is stored at once and the rule is skipped."""
    db.session.add(
        SpamRule(action=RuleAction.SPAM, kind=RuleKind.REGEX, pattern=r"(a+)+$", fields="body")
    )
    rules.bump_version()
    db.session.commit()
    started = time.monotonic()
    posted = post_comment(client, form_token(), body="a" * 5000 + "!")  # type: ignore[arg-type]
    assert posted.status_code == 202
    assert time.monotonic() - started < 2
    comment = db.session.get(Comment, posted.json["id"])
    assert comment is not None and comment.status == Status.PENDING


def test_the_oldest_active_moderator_becomes_the_owner_on_upgrade(tmp_path: object) -> None:
    from flask_migrate import upgrade
    from sqlalchemy import text

    from moderation import create_app
    from moderation.accounts.models import Role

    app = create_app(
        {"TESTING": True, "SECRET_KEY": "x", "DATABASE_URL": f"sqlite:///{tmp_path}/old.sqlite3"}
    )
    with app.app_context():
        upgrade(revision="c3651231c6b9")
        for email, active in [
            ("gone@example.org", 0),
            ("chief@example.org", 1),
            ("help@example.org", 1),
        ]:
            db.session.execute(
                text(
                    "INSERT INTO moderator (email, password_hash, active, created_at) "
                    "VALUES (:email, 'x', :active, '2026-01-01 00:00:00')"
                ),
                {"email": email, "active": active},
            )
        db.session.commit()
        upgrade()
        roles = dict(db.session.execute(db.select(Moderator.email, Moderator.role)).all())
        assert roles == {
            "gone@example.org": Role.MODERATOR,
            "chief@example.org": Role.OWNER,
            "help@example.org": Role.MODERATOR,
        }
        db.engine.dispose()


def test_no_log_line_names_a_blocked_address_or_range(
    client: object,
    article: object,
    form_token: Callable[..., str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    rules.add_rule(RuleAction.SPAM, RuleKind.EMAIL, "blocked.person@example.org", [])
    rules.add_rule(RuleAction.HOLD, RuleKind.NETWORK, "127.0.0.0/8", [])
    db.session.commit()
    caplog.set_level("INFO")
    posted = post_comment(client, form_token(), email="blocked.person@example.org")  # type: ignore[arg-type]
    assert posted.status_code == 202
    comment = db.session.get(Comment, posted.json["id"])
    assert comment is not None and comment.held_rules == "spam-email hold-network"
    assert "blocked.person@example.org" in comment.held_reason  # for the moderators
    assert "spam-email hold-network" in caplog.text
    assert "blocked.person" not in caplog.text and "127.0.0" not in caplog.text


def test_a_duplicate_is_found_by_its_text_whichever_way_the_text_was_written(
    client: object, article: object, form_token: Callable[..., str]
) -> None:
    """The duplicate check finds an earlier text through its digest: a moderator's edit
    moves the digest with the text, and a comment written without the ORM (an import)
    has one too."""
    from moderation.comments.moderation import edit_comment
    from moderation.core.database import utcnow

    first = post_comment(client, form_token(), body="Before the edit.")  # type: ignore[arg-type]
    comment = db.session.get(Comment, first.json["id"])
    assert comment is not None
    edit_comment(comment, "After the edit.", None)
    db.session.commit()
    assert post_comment(client, form_token(), body="After the edit.").status_code == 400  # type: ignore[arg-type]
    assert post_comment(client, form_token(), body="Before the edit.").status_code == 202  # type: ignore[arg-type]

    db.session.execute(
        db.insert(Comment),
        [
            {
                "article_id": comment.article_id,
                "author_name": "Ada Reader",
                "email": "ada@example.org",
                "body": "Written by an import.",
                "html": "<p>Written by an import.</p>",
                "created_at": utcnow(),
            }
        ],
    )
    db.session.commit()
    assert post_comment(client, form_token(), body="Written by an import.").status_code == 400  # type: ignore[arg-type]
