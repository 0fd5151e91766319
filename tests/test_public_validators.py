"""The public read path's validators: what makes a reader's copy current, and what not."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask.testing import FlaskClient

from moderation.comments.models import Comment, Status
from moderation.public import assets

API = "/api/articles/a-film-review/comments"
FRAGMENT = "/embed/a-film-review/fragment"
COUNTS = "/api/counts?article=a-film-review"


def _weak(etag: str) -> str:
    """The validator as a compressing proxy (nginx's gzip) hands it on."""
    return etag if etag.startswith("W/") else "W/" + etag


@pytest.mark.parametrize("url", [API, FRAGMENT, COUNTS, "/embed.js", "pinned-css"])
def test_a_weak_validator_from_a_compressing_proxy_still_gets_a_304(
    client: FlaskClient, make_comment: Callable[..., Comment], url: str
) -> None:
    make_comment(Status.APPROVED)
    if url == "pinned-css":
        url = f"/v/{assets.load('widget.css').digest}/widget.css"
    first = client.get(url)
    assert first.status_code == 200 and first.headers["ETag"]
    again = client.get(url, headers={"If-None-Match": _weak(first.headers["ETag"])})
    assert again.status_code == 304
    assert not again.get_data()
