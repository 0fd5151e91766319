"""The no-JavaScript embed page, in a real browser."""

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from moderation.comments.models import Comment, Status
from moderation.extensions import db

pytestmark = pytest.mark.browser


def test_reader_posts_through_the_plain_embed_page(
    make_app: Callable[..., Flask], live_server_factory: Callable[..., Any], page: Any
) -> None:
    app = make_app()
    server = live_server_factory(app)
    page.goto(f"{server.url}/embed/browser-post?title=Browser")
    page.get_by_role("textbox", name="Comment", exact=True).fill("Typed in a *real* browser")
    page.get_by_role("textbox", name="Name", exact=True).fill("Chrome Reader")
    page.get_by_role("textbox", name="Email", exact=True).fill("chrome@example.org")
    page.get_by_role("button", name="Post comment").click()
    page.wait_for_url("**posted=1**")
    assert "awaiting moderation" in page.locator("[role=status]").inner_text()
    with app.app_context():
        comment = db.session.scalar(
            db.select(Comment).where(Comment.author_name == "Chrome Reader")
        )
        assert comment is not None and comment.status is Status.PENDING
