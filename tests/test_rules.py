"""Rules written once and applied everywhere: article titles and addresses, emails,
thread depth. Tested on the domain, without HTTP."""

from collections.abc import Callable

import pytest
from flask import Flask

from moderation import comments as domain
from moderation.accounts import moderators
from moderation.comments.models import Article, Comment, Status
from moderation.core.exceptions import DomainError
from moderation.core.text import email_problem
from moderation.public.forms import CommentForm


@pytest.mark.parametrize(
    ("title", "url", "message"),
    [
        ("Fine", "javascript:alert(1)", "must start with http"),
        ("Fine", "//evil.example/x", "must start with http"),
        ("Fine", "/a path", "spaces"),
        ("Fine", "https://blog.example/" + "x" * 500, "at most 500"),
        ("x" * 301, "", "at most 300"),
        ("Bell\x07", "", "control characters"),
    ],
)
def test_an_article_edit_obeys_the_same_rules_as_its_creation(
    article: Article, title: str, url: str, message: str
) -> None:
    with pytest.raises(DomainError, match=message):
        domain.edit_article(article, title=title, url=url)
    with pytest.raises(DomainError, match=message):
        domain.create_article("another", title=title, url=url)


def test_an_article_may_point_to_a_path_on_the_blog(article: Article) -> None:
    domain.edit_article(article, title=" Spaced ", url=" /2024/my-post ")
    assert (article.title, article.url) == ("Spaced", "/2024/my-post")


@pytest.mark.parametrize("email", ["not-an-email", "a@b", "two@@example.org", "x" * 250 + "@e.org"])
def test_readers_and_moderators_get_the_same_word_on_a_bad_email(app: Flask, email: str) -> None:
    problem = email_problem(email)
    assert problem == "Enter a valid email address, like you@example.com."
    with pytest.raises(DomainError) as refused:
        moderators.create_moderator(email, "long enough password")
    assert refused.value.message == problem
    form = CommentForm(formdata=None, data={"email": email})
    form.validate()
    assert problem in form.email.errors


def test_replies_stop_at_the_configured_depth(make_comment: Callable[..., Comment]) -> None:
    top = make_comment(Status.APPROVED)
    reply = make_comment(Status.APPROVED, parent=top)
    assert domain.can_reply_to(top, 2) and not domain.can_reply_to(reply, 2)
    assert domain.can_reply_to(reply, 3)
