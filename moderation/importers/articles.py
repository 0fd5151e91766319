"""Which article id an imported post gets: the one its blog's ``data-comments`` uses.

By default the slug of the post URL's path (``/2014/test/`` → ``2014-test``); or the
post's own slug (WordPress's ``post_name``); or the whole URL; or a CSV file that maps
URLs, paths or the export's post ids to article ids.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import unquote, urlsplit

from ..comments.articles import is_valid_article_id
from ..comments.models import ARTICLE_ID_MAX
from ..core.exceptions import DomainError
from .model import ImportedArticle

MODES = ("path", "slug", "url")
HEADERS = frozenset({"article", "article_id", "id", "data-comments", "data_comments"})
NOT_SLUG_RE = re.compile(r"[^A-Za-z0-9._-]+")


def slugify(text: str) -> str:
    """Letters, digits, ``.``, ``_`` and ``-``; every other run of characters is one
    ``-``; no leading or trailing punctuation."""
    slug = NOT_SLUG_RE.sub("-", unquote(text)).strip("-._")
    return slug[:ARTICLE_ID_MAX].rstrip("-._")


def path_slug(url: str) -> str:
    """``http://blog.example/2014/test/`` → ``2014-test``; ``/?p=4`` → ``p-4``; the site's
    home page → ``index``."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return ""
    slug = slugify(parts.path + ("-" + parts.query if parts.query else ""))
    if not slug and (parts.netloc or parts.path):
        return "index"
    return slug


def url_slug(url: str) -> str:
    """``https://blog.example/2014/test/`` → ``blog.example-2014-test``."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return ""
    return slugify(f"{parts.netloc}/{parts.path}" + ("-" + parts.query if parts.query else ""))


class ArticleNamer:
    """Names imported articles by one rule, or by a CSV map first when given one."""

    def __init__(self, mode: str = "path", mapping: dict[str, str] | None = None) -> None:
        if mode not in MODES:
            raise ValueError(f"unknown article id mode {mode!r}")
        self.mode = mode
        self.mapping = mapping or {}

    def article_id(self, article: ImportedArticle) -> str | None:
        """The article id, or None when none can be made (no address, no slug)."""
        for key in _map_keys(article):
            if key in self.mapping:
                return self.mapping[key]
        if self.mode == "slug" and slugify(article.slug):
            return slugify(article.slug)
        if self.mode == "url" and article.url:
            candidate = url_slug(article.url)
        else:
            candidate = path_slug(article.url) if article.url else slugify(article.slug)
        return candidate if is_valid_article_id(candidate) else None


def _map_keys(article: ImportedArticle) -> Iterable[str]:
    yield article.url.strip()
    try:
        parts = urlsplit(article.url.strip())
        yield parts.path + ("?" + parts.query if parts.query else "")
        yield parts.path
    except ValueError:
        pass
    yield article.key
    if article.slug:
        yield article.slug


def read_article_map(path: Path) -> dict[str, str]:
    """A CSV of ``old address,article id`` rows (a header row is allowed). The old address
    is a URL, a path (``/2014/test/``) or the export's own post id."""
    mapping: dict[str, str] = {}
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            for number, row in enumerate(csv.reader(handle), start=1):
                cells = [cell.strip() for cell in row]
                if not any(cells) or cells[0].startswith("#"):
                    continue
                if len(cells) < 2 or not cells[0]:
                    raise DomainError(f"{path}, line {number}: expected 'old address,article id'.")
                if number == 1 and cells[1].lower().replace(" ", "_") in HEADERS:
                    continue
                if not is_valid_article_id(cells[1]):
                    raise DomainError(
                        f"{path}, line {number}: {cells[1]!r} is not an article id "
                        "(1 to 200 letters, digits, '.', '_' or '-')."
                    )
                mapping[cells[0]] = cells[1]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise DomainError(f"{path} cannot be read: {exc}") from None
    return mapping
