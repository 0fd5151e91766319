import time

import pytest

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
