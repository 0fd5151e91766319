import time

import pytest
from flask import Flask

from moderation.comments.tokens import TokenError, check_token, issue_token

KEY = "secret"


def test_fresh_token_for_the_same_article_passes() -> None:
    check_token(KEY, issue_token(KEY, "post-1"), "post-1", min_age=0, max_age=60)


def test_token_is_bound_to_its_article() -> None:
    with pytest.raises(TokenError, match="another article"):
        check_token(KEY, issue_token(KEY, "post-1"), "post-2", min_age=0, max_age=60)


def test_forged_or_missing_token_is_refused() -> None:
    with pytest.raises(TokenError, match="not valid"):
        check_token(KEY, issue_token("other-key", "post-1"), "post-1", min_age=0, max_age=60)
    with pytest.raises(TokenError, match="not complete"):
        check_token(KEY, "", "post-1", min_age=0, max_age=60)


def test_too_fast_and_too_old(monkeypatch: pytest.MonkeyPatch) -> None:
    token = issue_token(KEY, "post-1")
    with pytest.raises(TokenError, match="wait a few seconds"):
        check_token(KEY, token, "post-1", min_age=5, max_age=60)
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now + 10)
    check_token(KEY, token, "post-1", min_age=5, max_age=60)
    monkeypatch.setattr(time, "time", lambda: now + 120)
    with pytest.raises(TokenError, match="expired"):
        check_token(KEY, token, "post-1", min_age=5, max_age=60)


def test_every_token_has_its_own_nonce_and_expiry() -> None:
    first = check_token(KEY, issue_token(KEY, "post-1"), "post-1", min_age=0, max_age=60)
    second = check_token(KEY, issue_token(KEY, "post-1"), "post-1", min_age=0, max_age=60)
    assert first.nonce != second.nonce
    assert 55 <= (first.expires_at.timestamp() - time.time()) <= 61


def test_expired_spent_tokens_are_forgotten_once_a_minute_not_on_every_post(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    from datetime import timedelta

    from moderation.comments import tokens
    from moderation.comments.models import SpentToken
    from moderation.core.database import utcnow
    from moderation.extensions import db

    def spent() -> set[str]:
        return set(db.session.scalars(db.select(SpentToken.nonce)))

    old = tokens.GoodToken("old-nonce-1", utcnow() - timedelta(seconds=1))
    monkeypatch.setattr(tokens, "_next_cleanup", 0.0)
    tokens.spend_token(tokens.GoodToken("first-nonce", utcnow() + timedelta(hours=1)))
    db.session.add(SpentToken(nonce=old.nonce, expires_at=old.expires_at))
    db.session.commit()
    # Within the minute, posting does not delete: no range delete on every post.
    tokens.spend_token(tokens.GoodToken("second-nonce", utcnow() + timedelta(hours=1)))
    db.session.commit()
    assert "old-nonce-1" in spent()
    # The minute over, the next post forgets what expired, and only that.
    monkeypatch.setattr(tokens, "_next_cleanup", 0.0)
    tokens.spend_token(tokens.GoodToken("third-nonce", utcnow() + timedelta(hours=1)))
    db.session.commit()
    assert spent() == {"first-nonce", "second-nonce", "third-nonce"}
    # A spent token still refuses a second comment, cleaned up or not.
    with pytest.raises(TokenError, match="already sent"):
        tokens.spend_token(tokens.GoodToken("second-nonce", utcnow() + timedelta(hours=1)))
