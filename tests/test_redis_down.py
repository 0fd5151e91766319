"""Redis down: the rate limits fall back to each worker's memory, say so, fail nothing."""

import logging
from collections.abc import Callable

import pytest
from flask import Flask

from moderation.comments.models import Article

from .conftest import free_port
from .helpers import post_comment


def test_posts_go_on_with_limits_in_memory_while_redis_is_down(
    make_app: Callable[..., Flask],
    article: Article,
    form_token: Callable[..., str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    nobody_listens = f"redis://127.0.0.1:{free_port()}/0"
    app = make_app(REDIS_URL=nobody_listens, RATELIMIT_ENABLED=True, POST_RATE_LIMIT="2 per minute")
    assert app.config["RATELIMIT_STORAGE_URI"] == nobody_listens
    client = app.test_client()
    codes = [post_comment(client, form_token(), body=f"Comment {n}").status_code for n in range(3)]
    assert codes == [202, 202, 429]
    assert "falling back to in-memory storage" in caplog.text
