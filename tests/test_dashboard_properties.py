"""Property tests (hypothesis) of the dashboard's forms: logged in, with a good CSRF token,
any values in any of their fields (login, bulk, edit, reply, the comment buttons, the
article's title and address) answer a page or a 4xx, never a 5xx.

Bounded and reproducible: a fixed number of examples, derandomized, no example database.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from moderation.comments.models import Comment, Status

from .conftest import ARTICLE_ID, MODERATOR_EMAIL, MODERATOR_PASSWORD, Auth, csrf_from

DASHBOARD_SETTINGS = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
FORM = "application/x-www-form-urlencoded"

ANY_CHARACTER = st.characters(codec=None, categories=None)
VALUES = st.one_of(
    st.text(ANY_CHARACTER, max_size=40),
    st.sampled_from(
        [
            "",
            " ",
            "0",
            "-1",
            "1",
            "1:1",
            "2",
            "3",
            "1:99999999999999999999999",
            "99999999999999999999999",
            "1e309",
            "approve",
            "spam",
            "delete",
            "//evil.example",
            "/\\evil.example",
            "https:evil.example",
            "/moderation/?status=spam",
            "%2F%2Fevil.example",
            "javascript:alert(1)",
            "\x00",
            "\ud800",
            "\U0001f600" * 50,
            "x" * 10_001,
        ]
    ),
)
FIELD_VALUES = st.one_of(VALUES, st.lists(VALUES, min_size=2, max_size=4))


def fields_of(*names: str) -> st.SearchStrategy[dict[str, Any]]:
    """Any subset of a form's fields (and a stranger), each with any value or values."""
    return st.dictionaries(st.sampled_from([*names, "unexpected"]), FIELD_VALUES, max_size=5)


def form_body(csrf: str | None, fields: dict[str, Any]) -> bytes:
    """A urlencoded body; lone surrogates go as the bytes a careless client would send."""
    pairs = [f"csrf_token={quote(csrf)}"] if csrf else []
    for key, values in fields.items():
        for value in values if isinstance(values, list) else [values]:
            pairs.append(f"{quote(key)}={quote(str(value).encode('utf-8', 'surrogatepass'))}")
    return "&".join(pairs).encode("ascii")


# Each form's address (with the comment or article it acts on) and its fields.
COMMENT_IDS = st.one_of(st.just("existing"), st.integers(min_value=0, max_value=2**70).map(str))
ARTICLE_IDS = st.one_of(
    st.just(ARTICLE_ID),
    st.text(ANY_CHARACTER, min_size=1, max_size=30).map(
        lambda t: quote(t.encode("utf-8", "surrogatepass"), safe="")
    ),
)
FORMS: dict[str, tuple[str, tuple[str, ...]]] = {
    "edit": ("/moderation/comments/{comment}/edit", ("body", "version", "next")),
    "reply": ("/moderation/comments/{comment}/reply", ("body", "version", "next")),
    "approve": ("/moderation/comments/{comment}/approve", ("version", "next")),
    "spam": ("/moderation/comments/{comment}/spam", ("version", "next")),
    "delete": ("/moderation/comments/{comment}/delete", ("version", "next")),
    "bulk": ("/moderation/bulk", ("action", "selected", "next")),
    "article": ("/moderation/articles/{article}", ("title", "url")),
    "close": ("/moderation/articles/{article}/close", ("next",)),
}


@pytest.fixture
def scene(logged_in: Auth, make_comment: Callable[..., Comment]) -> tuple[Auth, Comment]:
    published = make_comment(Status.APPROVED)
    make_comment(Status.PENDING)
    return logged_in, published


@DASHBOARD_SETTINGS
@given(
    form=st.sampled_from(sorted(FORMS)),
    comment=COMMENT_IDS,
    article=ARTICLE_IDS,
    data=st.data(),
    as_script=st.booleans(),
)
def test_no_dashboard_form_answers_5xx(
    scene: tuple[Auth, Comment],
    form: str,
    comment: str,
    article: str,
    data: st.DataObject,
    as_script: bool,
) -> None:
    auth, published = scene
    template, names = FORMS[form]
    fields = data.draw(fields_of(*names), label="fields")
    url = template.format(
        comment=published.id if comment == "existing" else comment, article=article
    )
    headers = {"X-Requested-With": "XMLHttpRequest"} if as_script else {}
    response = auth.client.post(
        url, data=form_body(auth.token(), fields), content_type=FORM, headers=headers
    )
    assert response.status_code < 500, (url, fields, response.text[:500])
    location = response.headers.get("Location", "/")
    assert location.startswith("/") and not location.startswith(("//", "/\\")), location


LOGIN_FIELDS = st.fixed_dictionaries(
    {},
    optional={
        "email": st.one_of(FIELD_VALUES, st.just(MODERATOR_EMAIL)),
        "password": st.one_of(FIELD_VALUES, st.just(MODERATOR_PASSWORD)),
        "next": FIELD_VALUES,
        "unexpected": FIELD_VALUES,
    },
)


@DASHBOARD_SETTINGS
@given(fields=LOGIN_FIELDS)
def test_no_login_answers_5xx(app: Flask, moderator: object, fields: dict[str, Any]) -> None:
    client: FlaskClient = app.test_client()
    csrf = csrf_from(client.get("/moderation/login").text)
    response = client.post("/moderation/login", data=form_body(csrf, fields), content_type=FORM)
    assert response.status_code < 500, (fields, response.text[:500])
    location = response.headers.get("Location", "/")
    assert location.startswith("/") and not location.startswith(("//", "/\\")), location


def test_the_forms_do_act_when_their_fields_are_right(scene: tuple[Auth, Comment]) -> None:
    """The properties above would pass on a dashboard that refused everything: not this."""
    auth, published = scene
    version = str(published.version)
    response = auth.post(
        f"/moderation/comments/{published.id}/edit", {"body": "Edited", "version": version}
    )
    assert response.status_code == 303


QUERY = st.dictionaries(
    st.sampled_from(["status", "page", "article", "q", "next", "reply_to", "title", "url"]),
    FIELD_VALUES,
    max_size=4,
)
PAGES = [
    "/moderation/",
    "/moderation/articles",
    "/moderation/log",
    "/moderation/login",
    f"/moderation/articles/{ARTICLE_ID}",
    "/moderation/comments/{comment}",
    f"/embed/{ARTICLE_ID}",
    f"/embed/{ARTICLE_ID}/fragment",
    "/demo",
]


def query_string(query: dict[str, Any]) -> str:
    return "&".join(
        f"{quote(key)}={quote(str(value).encode('utf-8', 'surrogatepass'))}"
        for key, values in query.items()
        for value in (values if isinstance(values, list) else [values])
    )


@DASHBOARD_SETTINGS
@given(page=st.sampled_from(PAGES), query=QUERY)
def test_no_query_string_makes_a_page_answer_5xx(
    scene: tuple[Auth, Comment], page: str, query: dict[str, Any]
) -> None:
    auth, published = scene
    url = page.format(comment=published.id) + "?" + query_string(query)
    response = auth.client.get(url)
    assert response.status_code < 500, (url, response.text[:500])
