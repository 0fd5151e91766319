"""Articles: the pages readers comment on, created by a moderator or by a first comment."""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urlsplit

from sqlalchemy import update

from ..accounts.models import Moderator
from ..core.database import db, insert_unless_present, utcnow
from ..core.exceptions import ArticleNotFound, CommentsClosed, DomainError
from ..core.i18n import Text, _
from ..core.text import (
    clean_line,
    control_characters,
    is_local_path,
    web_url_or_empty,
    web_url_problem,
)
from .audit import record
from .models import ARTICLE_ID_MAX, TITLE_MAX, URL_MAX, Article

ARTICLE_ID_RULE = _("An article id is 1 to 200 letters, digits, '.', '_' or '-'.")
ARTICLE_ID_RE = re.compile(rf"[A-Za-z0-9][A-Za-z0-9._-]{{0,{ARTICLE_ID_MAX - 1}}}")


def is_valid_article_id(article_id: str) -> bool:
    """Article ids are slugs: letters, digits, ``.``, ``_`` and ``-``, at most 200 long."""
    # fullmatch: "$" would also match before a final newline, and "abc\n" is no slug.
    return ARTICLE_ID_RE.fullmatch(article_id) is not None


def unknown_article_message(article_id: str) -> Text:
    """What to tell someone who asked for an article that is not there."""
    if not is_valid_article_id(article_id):
        return _(
            "There is no such article: an article id is 1 to 200 letters, digits, '.', '_' or '-'."
        )
    return _("There is no such article.")


def get_article(article_id: str) -> Article | None:
    if not is_valid_article_id(article_id):
        return None
    return db.session.get(Article, article_id)


def check_title(title: str) -> str:
    """An article's title as a moderator sets it: one line, at most 300 characters."""
    title = title.strip()
    if len(title) > TITLE_MAX or control_characters(title):
        raise DomainError(
            _("A title is at most %(max)d characters, without control characters.", max=TITLE_MAX),
            field="title",
        )
    return title


def check_url(url: str) -> str:
    """An article's address: an http(s) URL or a path on the blog, at most 500 characters."""
    url = url.strip()
    if not url:
        return url
    if len(url) > URL_MAX:
        raise DomainError(_("An address is at most %(max)d characters.", max=URL_MAX), field="url")
    if is_local_path(url):
        if control_characters(url) or any(char.isspace() for char in url):
            raise DomainError(
                _("Remove the spaces and invisible characters from the address."), field="url"
            )
        return url
    problem = web_url_problem(url)
    if problem:
        raise DomainError(
            _(
                "%(problem)s Give an http(s) address, or a path such as /2024/my-post.",
                problem=problem,
            ),
            field="url",
        )
    return url


# The session's ``info`` key naming the articles whose version the transaction changed,
# so that whatever keeps versions outside the database (the read cache) can forget them
# once it commits.
CHANGED_VERSIONS = "moderation.changed_versions"


def bump_version(article_id: str) -> None:
    """Record that what readers see of an article changed, so its validators change.

    One ``UPDATE article SET version = version + 1`` in the caller's transaction: two
    concurrent changes both count, where reading and writing the number back could lose
    one. Pending changes are flushed first; a loaded article reads its version again.
    The article is also named in the session's ``CHANGED_VERSIONS``.
    """
    db.session.info.setdefault(CHANGED_VERSIONS, set()).add(article_id)
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
        raise DomainError(_("Article %(id)s already exists.", id=repr(article_id)), field="article")
    article = Article(id=article_id, title=title, url=url, closed=False)
    db.session.add(article)
    db.session.flush()
    return article


def on_owned_site(url: str, origins: Iterable[str], prefixes: Iterable[str]) -> bool:
    """Whether ``url`` (an http(s) address) is on one of the site owner's sites: its origin
    is one of ``origins`` (``*`` names no site), or it starts with one of ``prefixes`` on
    the same scheme and host."""
    try:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            return False
        origin = f"{parts.scheme}://{parts.netloc}".lower()
        if origin in (o.rstrip("/").lower() for o in origins if o != "*"):
            return True
        for prefix in prefixes:
            wanted = urlsplit(prefix)
            same_site = f"{wanted.scheme}://{wanted.netloc}".lower() == origin
            if same_site and parts.path.startswith(wanted.path):
                return True
    except ValueError:
        return False
    return False


def reader_details(
    title: str, url: str, *, origins: Iterable[str], prefixes: Iterable[str]
) -> tuple[str, str]:
    """The title and address a reader's browser gives an article not created yet, cleaned
    (one line of text; an http(s) address), when that address is on the owner's site
    (``on_owned_site``); else none: a stranger must not name the owner's article, nor
    point its "Back to the article" link at their own page."""
    url = web_url_or_empty(url, URL_MAX)
    if not url or not on_owned_site(url, origins, prefixes):
        return "", ""
    return clean_line(title, TITLE_MAX), url


def _insert_article_if_missing(article_id: str, title: str, url: str) -> Article:
    """Create the article unless a concurrent request just did; either way, return it."""
    values = {
        "id": article_id,
        "title": title,
        "url": url,
        "closed": False,
        "created_at": utcnow(),
        "details_from_reader": bool(title or url),
    }
    insert_unless_present(Article, values)
    article = db.session.get(Article, article_id)
    assert article is not None
    return article


def article_for_comment(
    article_id: str,
    *,
    title: str = "",
    url: str = "",
    auto_create: bool,
    origins: Iterable[str] = (),
    prefixes: Iterable[str] = (),
) -> Article:
    """The article a new comment goes to, created on its first comment when allowed.

    The title and address come from the reader's browser: they are kept only when the
    address is on one of the owner's sites (``origins``, ``prefixes``: see
    ``reader_details``), and then marked for a moderator to confirm; otherwise the
    article is created without them. Either way nothing is refused, since the reader
    cannot fix them. An existing article never takes them.
    """
    article = get_article(article_id)
    if article is None:
        if not auto_create or not is_valid_article_id(article_id):
            raise ArticleNotFound(_("There is no such article."))
        title, url = reader_details(title, url, origins=origins, prefixes=prefixes)
        article = _insert_article_if_missing(article_id, title, url)
    if article.closed:
        raise CommentsClosed(_("Comments are closed for this article."))
    return article


def edit_article(
    article: Article, *, title: str, url: str, moderator: Moderator | None = None
) -> Article:
    """Change an article's title and address; the change goes to the log. A moderator
    saving them confirms them too, changed or not."""
    title, url = check_title(title), check_url(url)
    if (title, url) == (article.title, article.url):
        return confirm_article(article, moderator)
    before = f"{article.title!r} <{article.url}>"
    article.title, article.url = title, url
    article.details_from_reader = False
    record(
        None,
        moderator,
        "edit article",
        detail=f"was {before}, now {title!r} <{url}>",
        article_id=article.id,
    )
    bump_version(article.id)
    return article


def confirm_article(article: Article, moderator: Moderator | None = None) -> Article:
    """A moderator vouches for a title and address a reader's first comment gave."""
    if article.details_from_reader:
        article.details_from_reader = False
        record(
            None,
            moderator,
            "confirm article",
            detail=f"{article.title!r} <{article.url}>",
            article_id=article.id,
        )
    return article


def close_article(article: Article, closed: bool, moderator: Moderator | None = None) -> Article:
    """Close or reopen an article for new comments (its comments stay visible); log it."""
    if article.closed != closed:
        article.closed = closed
        record(None, moderator, "close" if closed else "reopen", article_id=article.id)
        bump_version(article.id)
    return article
