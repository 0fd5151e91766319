"""Articles: the pages readers comment on, created by a moderator or by a first comment."""

from __future__ import annotations

import re

from sqlalchemy import update

from ..accounts.models import Moderator
from ..core.database import db, insert_unless_present, utcnow
from ..core.exceptions import ArticleNotFound, CommentsClosed, DomainError
from ..core.text import (
    clean_line,
    control_characters,
    is_local_path,
    web_url_or_empty,
    web_url_problem,
)
from .audit import record
from .models import ARTICLE_ID_MAX, TITLE_MAX, URL_MAX, Article

ARTICLE_ID_RULE = "An article id is 1 to 200 letters, digits, '.', '_' or '-'."
ARTICLE_ID_RE = re.compile(rf"[A-Za-z0-9][A-Za-z0-9._-]{{0,{ARTICLE_ID_MAX - 1}}}")


def is_valid_article_id(article_id: str) -> bool:
    """Article ids are slugs: letters, digits, ``.``, ``_`` and ``-``, at most 200 long."""
    # fullmatch: "$" would also match before a final newline, and "abc\n" is no slug.
    return ARTICLE_ID_RE.fullmatch(article_id) is not None


def unknown_article_message(article_id: str) -> str:
    """What to tell someone who asked for an article that is not there."""
    if not is_valid_article_id(article_id):
        return f"There is no such article: {ARTICLE_ID_RULE}"
    return "There is no such article."


def get_article(article_id: str) -> Article | None:
    if not is_valid_article_id(article_id):
        return None
    return db.session.get(Article, article_id)


def check_title(title: str) -> str:
    """An article's title as a moderator sets it: one line, at most 300 characters."""
    title = title.strip()
    if len(title) > TITLE_MAX or control_characters(title):
        raise DomainError(
            f"A title is at most {TITLE_MAX} characters, without control characters.",
            field="title",
        )
    return title


def check_url(url: str) -> str:
    """An article's address: an http(s) URL or a path on the blog, at most 500 characters."""
    url = url.strip()
    if not url:
        return url
    if len(url) > URL_MAX:
        raise DomainError(f"An address is at most {URL_MAX} characters.", field="url")
    if is_local_path(url):
        if control_characters(url) or any(char.isspace() for char in url):
            raise DomainError(
                "Remove the spaces and invisible characters from the address.", field="url"
            )
        return url
    problem = web_url_problem(url)
    if problem:
        raise DomainError(
            f"{problem} Give an http(s) address, or a path such as /2024/my-post.", field="url"
        )
    return url


def bump_version(article_id: str) -> None:
    """Record that what readers see of an article changed, so its validators change.

    One ``UPDATE article SET version = version + 1`` in the caller's transaction: two
    concurrent changes both count, where reading and writing the number back could lose
    one. Pending changes are flushed first; a loaded article reads its version again.
    """
    db.session.execute(
        update(Article).where(Article.id == article_id).values(version=Article.version + 1),
        execution_options={"synchronize_session": False},
    )
    loaded = db.session.identity_map.get(db.session.identity_key(Article, article_id))
    if loaded is not None:
        db.session.expire(loaded, ["version"])


def create_article(article_id: str, *, title: str = "", url: str = "") -> Article:
    """Add an article; its id must be a slug of at most 200 characters."""
    if not is_valid_article_id(article_id):
        raise DomainError(ARTICLE_ID_RULE, field="article")
    title, url = check_title(title), check_url(url)
    if db.session.get(Article, article_id) is not None:
        raise DomainError(f"Article {article_id!r} already exists.", field="article")
    article = Article(id=article_id, title=title, url=url, closed=False)
    db.session.add(article)
    db.session.flush()
    return article


def _insert_article_if_missing(article_id: str, title: str, url: str) -> Article:
    """Create the article unless a concurrent request just did; either way, return it."""
    values = {"id": article_id, "title": title, "url": url, "closed": False, "created_at": utcnow()}
    insert_unless_present(Article, values)
    article = db.session.get(Article, article_id)
    assert article is not None
    return article


def article_for_comment(
    article_id: str, *, title: str = "", url: str = "", auto_create: bool
) -> Article:
    """The article a new comment goes to, created on its first comment when allowed.

    The title and address come from the reader's browser: they are cleaned (one line of
    text; an http(s) address or nothing) rather than refused, since the reader cannot
    fix them.
    """
    article = get_article(article_id)
    if article is None:
        if not auto_create or not is_valid_article_id(article_id):
            raise ArticleNotFound("There is no such article.")
        article = _insert_article_if_missing(
            article_id, clean_line(title, TITLE_MAX), web_url_or_empty(url, URL_MAX)
        )
    if article.closed:
        raise CommentsClosed("Comments are closed for this article.")
    return article


def edit_article(
    article: Article, *, title: str, url: str, moderator: Moderator | None = None
) -> Article:
    """Change an article's title and address; the change goes to the log."""
    title, url = check_title(title), check_url(url)
    if (title, url) == (article.title, article.url):
        return article
    before = f"{article.title!r} <{article.url}>"
    article.title, article.url = title, url
    record(
        None,
        moderator,
        "edit article",
        detail=f"was {before}, now {title!r} <{url}>",
        article_id=article.id,
    )
    bump_version(article.id)
    return article


def close_article(article: Article, closed: bool, moderator: Moderator | None = None) -> Article:
    """Close or reopen an article for new comments (its comments stay visible); log it."""
    if article.closed != closed:
        article.closed = closed
        record(None, moderator, "close" if closed else "reopen", article_id=article.id)
        bump_version(article.id)
    return article
