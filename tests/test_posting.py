"""The "post a comment" use case, without HTTP: a checked form in, a stored comment out."""

import pytest
from flask import Flask

from moderation import comments as domain
from moderation.comments.models import Article, Status
from moderation.comments.tokens import GoodToken, TokenError, check_token, issue_token
from moderation.extensions import db

RULES = domain.PostingRules(
    auto_create_articles=True,
    max_thread_depth=3,
    blocklist=["casino"],
    article_origins=("https://blog.example",),
)


def token_for(app: Flask, article_id: str) -> GoodToken:
    key = app.config["SECRET_KEY"]
    return check_token(key, issue_token(key, article_id), article_id, min_age=0, max_age=60)


def submission(**changes: str) -> domain.Submission:
    fields = {"name": "Ada", "email": "ada@example.org", "website": "", "body": "Moving."}
    fields.update(changes)
    return domain.Submission(**fields)  # type: ignore[arg-type]


def test_a_comment_is_stored_pending_on_a_new_article_with_its_cleaned_title(app: Flask) -> None:
    posted = domain.post_comment(
        "new-post",
        submission(body="*Moving*"),
        token_for(app, "new-post"),
        RULES,
        title="A\x00 new\n post",
        url="https://blog.example/new-post",
    )
    db.session.commit()
    assert (
        posted.comment.status is Status.PENDING and posted.comment.html == "<p><em>Moving</em></p>"
    )
    article = db.session.get(Article, "new-post")
    assert article is not None
    assert (article.title, article.url) == ("A new post", "https://blog.example/new-post")


def test_the_spam_rules_speak_and_a_honeypot_bins_the_comment(app: Flask, article: Article) -> None:
    held = domain.post_comment(
        article.id, submission(body="Best casino"), token_for(app, article.id), RULES
    )
    assert held.comment.status is Status.PENDING and "casino" in held.comment.held_reason
    binned = domain.post_comment(
        article.id, submission(honeypot="http://x.example"), token_for(app, article.id), RULES
    )
    assert binned.comment.status is Status.SPAM and binned.verdict.spam


def test_a_token_carries_one_comment(app: Flask, article: Article) -> None:
    token = token_for(app, article.id)
    domain.post_comment(article.id, submission(), token, RULES)
    db.session.commit()
    with pytest.raises(TokenError, match="already sent a comment"):
        domain.post_comment(article.id, submission(body="Again"), token, RULES)


def test_closed_and_unknown_articles_are_refused(app: Flask, article: Article) -> None:
    domain.close_article(article, True)
    with pytest.raises(domain.CommentsClosed):
        domain.post_comment(article.id, submission(), token_for(app, article.id), RULES)
    strict = domain.PostingRules(auto_create_articles=False)
    with pytest.raises(domain.ArticleNotFound):
        domain.post_comment("nowhere", submission(), token_for(app, "nowhere"), strict)
