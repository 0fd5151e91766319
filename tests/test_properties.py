"""Property tests (hypothesis) of the reader's side: any comment text renders to safe
HTML, no public output carries a commenter's email, and no body sent to the comment
POST, as JSON or as a form, answers 5xx.

Bounded and reproducible: a fixed number of examples, derandomized, no example database.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable
from html.parser import HTMLParser
from typing import Any
from urllib.parse import quote, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from moderation.comments.models import BODY_MAX, NAME_MAX, Comment, Status
from moderation.comments.rendering import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, render_comment
from moderation.comments.tokens import issue_token
from moderation.extensions import db

from .conftest import ARTICLE_ID
from .helpers import post_comment
from .openapi_contract import spec

PROPERTY_SETTINGS = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Any character: 4-byte ones, control characters, bidi controls, lone surrogates too.
ANY_CHARACTER = st.characters(codec=None, categories=None)
# What attacks on comment systems have tried, to be mixed into random text.
TRICKS = [
    "<script>alert(1)</script>",
    "<scr<script>ipt>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">x</a>',
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](java\tscript:alert(1))",
    "[click](&#106;avascript:alert(1))",
    "[click](javascript&colon;alert(1))",
    "[click](data:text/html;base64,PHNjcmlwdD4=)",
    "[click](vbscript:msgbox(1))",
    '[x](http://a.example "title" onmouseover="alert(1)")',
    "<svg onload=alert(1)>",
    "<math><mtext><script>alert(1)</script></mtext></math>",
    '"><script>alert(1)</script>',
    "' onfocus='alert(1)' autofocus='",
    "<!-- --><script>alert(1)</script>",
    "`<script>`",
    "```\n<script>alert(1)</script>\n```",
    "> <script>alert(1)</script>",
    "* [a](javascript:alert(1))",
    "<http://a.example/?q=<script>>",
    "\U0001f600\U00010348\U0001d54f",
    "\x00\x07\x1b[31m\x7f\u0085\u202e\u2066\ufeff",
    "\r\n\r\n",
]
COMMENT_TEXT = st.lists(
    st.one_of(st.text(ANY_CHARACTER, max_size=40), st.sampled_from(TRICKS)), max_size=12
).map("".join)

SAFE_SCHEMES = {"http", "https", "mailto"}
EVENT_ATTRIBUTE = re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE)


class _Elements(HTMLParser):
    """Every start tag with its attributes, as a browser's tokenizer sees them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, attrs))


def assert_safe_html(markup: str) -> None:
    lowered = markup.lower()
    assert "<script" not in lowered
    assert not EVENT_ATTRIBUTE.search(markup)
    parser = _Elements()
    parser.feed(markup)
    parser.close()
    for tag, attrs in parser.elements:
        assert tag in ALLOWED_TAGS, tag
        for name, value in attrs:
            assert name in ALLOWED_ATTRIBUTES.get(tag, set()) | {"rel"}, (tag, name)
            if name == "href":
                # What a browser follows: entities decoded, whitespace and controls dropped.
                target = re.sub(r"[\x00-\x20\x7f]+", "", value or "").lower()
                scheme = urlsplit(target).scheme
                assert scheme in SAFE_SCHEMES or not scheme, value
                assert "javascript:" not in target and "vbscript:" not in target


@PROPERTY_SETTINGS
@given(text=COMMENT_TEXT)
def test_any_comment_text_renders_to_safe_html(text: str) -> None:
    text = text[:BODY_MAX].encode("utf-8", "replace").decode("utf-8")
    assert_safe_html(render_comment(text))


@PROPERTY_SETTINGS
@given(text=st.text(ANY_CHARACTER, min_size=BODY_MAX - 20, max_size=BODY_MAX))
def test_text_at_the_length_limit_renders_to_safe_html(text: str) -> None:
    text = text.encode("utf-8", "replace").decode("utf-8")
    assert_safe_html(render_comment(text))


# --- the email never leaves -------------------------------------------------------

PRINTABLE = st.characters(categories=["L", "M", "N", "P", "S", "Zs"])
NAMES = st.text(PRINTABLE, min_size=1, max_size=60).filter(lambda name: name.strip() != "")
VISIBLE_TEXT = st.lists(
    st.one_of(st.text(PRINTABLE, min_size=1, max_size=40), st.sampled_from(TRICKS[:-2])),
    min_size=1,
    max_size=8,
).map("".join)


@PROPERTY_SETTINGS
@given(email=st.emails(), name=NAMES, body=VISIBLE_TEXT, as_form=st.booleans())
def test_no_public_output_contains_the_email(
    app: Flask, client: FlaskClient, email: str, name: str, body: str, as_form: bool
) -> None:
    # Stored lower-cased; shown nowhere, in no case, whole or encoded.
    email = email[:254]
    address = email.lower()
    assume(address not in f"{name} {body}".lower())
    fields = {"name": name, "email": email, "body": body or "Hello", "token": _token(app)}
    if as_form:
        url = f"/api/articles/{ARTICLE_ID}/comments"
        posted = client.post(url, data=_form_body(fields), content_type=FORM)
    else:
        posted = post_comment(client, fields.pop("token"), **fields)
    assert posted.status_code < 500
    event(f"answered {posted.status_code}")
    if posted.status_code != 202:
        return
    comment = db.session.get(Comment, posted.json["id"])
    assert comment is not None
    comment.status = Status.APPROVED
    db.session.commit()
    outputs = [posted]
    for url in (
        f"/api/articles/{ARTICLE_ID}/comments",
        f"/embed/{ARTICLE_ID}",
        f"/embed/{ARTICLE_ID}/fragment",
        f"/api/counts?article={ARTICLE_ID}",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        outputs.append(response)
    for response in outputs:
        text = response.get_data(as_text=True).lower()
        for form in (address, quote(address).lower(), html.escape(address).lower()):
            assert form not in text, response.request.path
        assert_safe_html_in_json(response)


def assert_safe_html_in_json(response: Any) -> None:
    if response.is_json:
        for comment in response.json.get("comments", []):
            assert_safe_html(comment["html"])


# --- no body makes the comment POST answer 5xx --------------------------------------

FORM = "application/x-www-form-urlencoded"
FIELDS = ["name", "email", "website", "body", "parent_id", "token", "homepage", "title", "url"]
TEXT = st.one_of(
    st.text(ANY_CHARACTER, max_size=60),
    st.sampled_from(
        ["", " ", "0", "-1", "1e309", "99999999999999999999999", "NaN", "null", "x" * 10_001]
    ),
    st.just("y" * (NAME_MAX + 1)),
)
JSON_VALUES = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(2**80), max_value=2**80),
        st.floats(allow_nan=True, allow_infinity=True),
        TEXT,
    ),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)


def _token(app: Flask, article_id: str = ARTICLE_ID) -> str:
    return issue_token(app.config["SECRET_KEY"], article_id)


def _form_body(fields: dict[str, Any]) -> bytes:
    """A urlencoded body, lone surrogates sent as the bytes a careless client would."""
    pairs = []
    for key, values in fields.items():
        for value in values if isinstance(values, list) else [values]:
            raw = str(value).encode("utf-8", "surrogatepass")
            pairs.append(f"{quote(key)}={quote(raw)}")
    return "&".join(pairs).encode("ascii")


@st.composite
def comment_bodies(draw: st.DrawFn) -> dict[str, Any]:
    keys = draw(st.lists(st.sampled_from(FIELDS), unique=True))
    return {key: draw(JSON_VALUES) for key in keys}


@pytest.fixture
def app_with_article(app: Flask, article: object) -> Flask:
    return app


@PROPERTY_SETTINGS
@given(
    fields=comment_bodies(),
    valid_token=st.booleans(),
    article_id=st.sampled_from([ARTICLE_ID, "new-article", "bad%20id", "x" * 201, "%F0%9F%98%80"]),
)
def test_no_json_body_makes_the_comment_post_fail(
    app_with_article: Flask,
    client: FlaskClient,
    fields: dict[str, Any],
    valid_token: bool,
    article_id: str,
) -> None:
    if valid_token:
        fields["token"] = _token(app_with_article, article_id)
    body = json.dumps(fields, ensure_ascii=True)
    response = client.post(
        f"/api/articles/{article_id}/comments", data=body, content_type="application/json"
    )
    assert response.status_code < 500, response.text
    assert response.is_json


@PROPERTY_SETTINGS
@given(
    fields=st.dictionaries(
        st.sampled_from(FIELDS), st.one_of(TEXT, st.lists(TEXT, max_size=3)), max_size=9
    ),
    valid_token=st.booleans(),
)
def test_no_form_body_makes_the_comment_post_fail(
    app_with_article: Flask, client: FlaskClient, fields: dict[str, Any], valid_token: bool
) -> None:
    if valid_token:
        fields["token"] = _token(app_with_article)
    url = f"/api/articles/{ARTICLE_ID}/comments"
    response = client.post(url, data=_form_body(fields), content_type=FORM)
    assert response.status_code < 500, response.text
    embed = client.post(f"/embed/{ARTICLE_ID}", data=_form_body(fields), content_type=FORM)
    assert embed.status_code < 500


@PROPERTY_SETTINGS
@given(
    body=st.one_of(
        st.binary(max_size=300),
        st.sampled_from(
            [b"[" * 5000, b'{"name": ' + b"[" * 3000, b'{"a":"\\ud800"}', b"\xff\xfe", b"1e99999"]
        ),
    ),
    content_type=st.sampled_from(
        ["application/json", FORM, "multipart/form-data; boundary=x", "text/plain", ""]
    ),
)
def test_no_raw_body_makes_the_comment_post_fail(
    app_with_article: Flask, client: FlaskClient, body: bytes, content_type: str
) -> None:
    url = f"/api/articles/{ARTICLE_ID}/comments"
    response = client.post(url, data=body, content_type=content_type or None)
    assert response.status_code < 500, response.text


def test_a_clean_comment_survives_the_round_trip(
    client: FlaskClient, form_token: Callable[..., str], article: object
) -> None:
    """The properties above would pass on an app that refused everything: not this one."""
    posted = post_comment(client, form_token(), body="Fine \U0001f600 *film*")
    assert posted.status_code == 202
    assert posted.json["comment"]["html"] == "<p>Fine \U0001f600 <em>film</em></p>"


# --- ids: what the API shows as an article is what its description allows -------------

ID_PATTERN = re.compile(spec()["components"]["schemas"]["ArticleId"]["pattern"])
ID_TEXT = st.text(st.sampled_from("aZ09._- \n\r\t/%\u00e9\U0001f600\x00"), min_size=1, max_size=12)


@PROPERTY_SETTINGS
@given(article_id=st.one_of(ID_TEXT, ID_TEXT.map(lambda t: "a" + t)))
def test_only_ids_the_description_allows_are_articles(client: FlaskClient, article_id: str) -> None:
    url = f"/api/articles/{quote(article_id, safe='')}/comments"
    response = client.get(url)
    assert response.status_code in (200, 404)
    # JSON Schema patterns are ECMA-262: "$" is the end of the text, never before a "\n".
    matches = ID_PATTERN.pattern.startswith("^") and ID_PATTERN.pattern.endswith("$")
    allowed = matches and re.fullmatch(ID_PATTERN.pattern[1:-1], article_id) is not None
    assert (response.status_code == 200) == allowed, (article_id, response.status_code)
