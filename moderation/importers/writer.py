"""The one writer of imported comments: in batches, one transaction each, counted.

Imported comments are stored with plain table inserts (``CommentWriter.flush``), not
through ``comments.posting`` or ``comments.moderation``: nothing that hooks a reader's
new comment or a moderator's decision (notifications, webhooks, rate limits, the spam
filter's training) sees them. The summary says exactly what was stored and skipped.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Integer, bindparam, func, select, text, update

from ..comments.articles import bump_version, check_url
from ..comments.audit import record
from ..comments.models import TITLE_MAX, Article, Comment, Status
from ..core.database import db, insert_unless_present, utcnow
from ..core.exceptions import DomainError
from ..core.text import clean_line
from ..privacy.addresses import stored_address
from .articles import ArticleNamer
from .model import ImportedArticle, ImportedComment, Summary
from .sections import table_of

log = logging.getLogger(__name__)

BATCH_SIZE = 500
# How far up a reply's ancestors are followed to make sure a late parent makes no loop.
MAX_ANCESTORS = 10_000

comment_table = table_of(Comment)


class CommentWriter:
    """Stores a stream of imported comments of one source, ``batch_size`` at a time.

    Memory stays flat whatever the file's size: a batch, the ids of the articles met so
    far, and the few replies that came before their parent in the file.
    """

    def __init__(
        self,
        source: str,
        summary: Summary,
        namer: ArticleNamer,
        *,
        ip_policy: str,
        batch_size: int = BATCH_SIZE,
        dry_run: bool = False,
    ) -> None:
        self.source = source
        self.summary = summary
        self.namer = namer
        self.ip_policy = ip_policy
        self.batch_size = batch_size
        self.dry_run = dry_run
        self.batch: list[tuple[str, ImportedComment]] = []
        self.articles: set[str] = set()
        # (new comment id, its parent's source id): replies met before their parent.
        self.waiting: list[tuple[int, str]] = []
        # Comments above this id were stored by this run.
        self.first_new_id = db.session.scalar(select(func.max(Comment.id))) or 0

    def add(self, comment: ImportedComment) -> None:
        article_id = self.namer.article_id(comment.article)
        if article_id is None:
            self.summary.skip("on a post whose address gives no article id (use --map-articles)")
            return
        self.batch.append((article_id, comment))
        if len(self.batch) >= self.batch_size:
            self.flush()

    def add_all(self, comments: Iterable[ImportedComment]) -> None:
        for comment in comments:
            self.add(comment)

    def flush(self) -> None:
        """Store the batch: its new articles, its new comments, the links to parents."""
        batch, self.batch = self.batch, []
        if not batch:
            return
        self._store_articles(batch)
        wanted = {comment.source_id for _, comment in batch}
        existing = self._ids_of(wanted)
        rows: list[dict[str, Any]] = []
        kept: list[ImportedComment] = []
        seen: set[str] = set()
        for article_id, comment in batch:
            if comment.source_id in existing or comment.source_id in seen:
                stored_now = existing.get(comment.source_id, self.first_new_id + 1)
                self.summary.skip(
                    "repeated in the file (same id)"
                    if stored_now > self.first_new_id
                    else "already imported (same source and id)"
                )
                continue
            seen.add(comment.source_id)
            kept.append(comment)
            rows.append(self._row(article_id, comment))
        if rows:
            statement = comment_table.insert().returning(
                comment_table.c.id, sort_by_parameter_order=True
            )
            new_ids = list(db.session.execute(statement, rows).scalars())
            self.summary.comments_created += len(new_ids)
            self._link_parents(kept, new_ids)
            # Readers' cached copies of these articles are out of date now.
            for article_id in {
                row["article_id"] for row in rows if row["status"] == Status.APPROVED
            }:
                bump_version(article_id)
        if not self.dry_run:
            db.session.commit()

    def finish(self) -> Summary:
        """Store what is left, link the replies that came before their parents, log it."""
        self.flush()
        waiting, self.waiting = self.waiting, []
        for start in range(0, len(waiting), self.batch_size):
            chunk = waiting[start : start + self.batch_size]
            parents = self._ids_of({parent for _, parent in chunk})
            for child_id, parent_source_id in chunk:
                parent_id = parents.get(parent_source_id)
                if parent_id is None or self._would_loop(child_id, parent_id):
                    self.summary.orphans += 1
                    continue
                db.session.execute(
                    update(comment_table)
                    .where(comment_table.c.id == child_id)
                    .values(parent_id=parent_id, **unchanged_on_update(comment_table))
                )
        if self.summary.comments_created:
            record(
                None,
                None,
                "import",
                detail=(
                    f"{self.summary.comments_created} comment(s) and "
                    f"{self.summary.articles_created} article(s) from {self.source}"
                ),
            )
        if self.dry_run:
            db.session.rollback()
        else:
            db.session.commit()
        log.info(
            "Imported %d comments and %d articles from %s (%d skipped)%s",
            self.summary.comments_created,
            self.summary.articles_created,
            self.source,
            sum(self.summary.skipped.values()),
            " as a dry run" if self.dry_run else "",
        )
        return self.summary

    # --- the parts of a batch ------------------------------------------------------

    def _row(self, article_id: str, comment: ImportedComment) -> dict[str, Any]:
        return {
            "article_id": article_id,
            "parent_id": None,
            "author_name": comment.author_name,
            "email": comment.email,
            "website": comment.website,
            # PostgreSQL stores no NUL character; another system's database may hold some.
            "body": comment.body.replace("\x00", ""),
            "html": comment.html.replace("\x00", ""),
            "status": comment.status,
            "held_reason": "",
            "remote_addr": stored_address(comment.remote_addr, self.ip_policy),
            "by_moderator_id": None,
            "created_at": comment.created_at,
            "updated_at": comment.created_at,
            "version": 1,
            "source": self.source,
            "source_id": comment.source_id,
        }

    def _store_articles(self, batch: list[tuple[str, ImportedComment]]) -> None:
        new = {article_id: c.article for article_id, c in batch if article_id not in self.articles}
        if not new:
            return
        present = set(db.session.scalars(select(Article.id).where(Article.id.in_(new))))
        for article_id, article in new.items():
            if article_id in present:
                self.summary.articles_existing += 1
            else:
                insert_unless_present(Article, self._article_values(article_id, article))
                self.summary.articles_created += 1
            self.articles.add(article_id)

    def _article_values(self, article_id: str, article: ImportedArticle) -> dict[str, Any]:
        try:
            url = check_url(article.url)
        except DomainError:
            self.summary.warn("a post's address is not an http(s) address: imported without it")
            url = ""
        return {
            "id": article_id,
            "title": clean_line(article.title, TITLE_MAX),
            "url": url,
            "closed": article.closed,
            "created_at": utcnow(),
            "details_from_reader": False,
        }

    def _ids_of(self, source_ids: set[str]) -> dict[str, int]:
        """The stored comments of this source among ``source_ids``: source id → id."""
        if not source_ids:
            return {}
        query = select(Comment.source_id, Comment.id).where(
            Comment.source == self.source, Comment.source_id.in_(source_ids)
        )
        return {str(source_id): comment_id for source_id, comment_id in db.session.execute(query)}

    def _link_parents(self, comments: list[ImportedComment], new_ids: list[int]) -> None:
        here = {c.source_id: new_id for c, new_id in zip(comments, new_ids, strict=True)}
        wanted = {
            c.parent_source_id
            for c in comments
            if c.parent_source_id is not None and c.parent_source_id not in here
        }
        known = {**self._ids_of(wanted), **here}
        links = []
        # Within the batch, the links made so far (child id → parent id): none may loop.
        linked: dict[int, int] = {}
        for comment, new_id in zip(comments, new_ids, strict=True):
            parent = comment.parent_source_id
            if parent is None:
                continue
            if parent == comment.source_id or (
                parent in known and _loops(linked, new_id, known[parent])
            ):
                self.summary.orphans += 1
            elif parent in known:
                linked[new_id] = known[parent]
                links.append({"child": new_id, "parent": known[parent]})
            else:
                self.waiting.append((new_id, parent))
        if links:
            db.session.execute(
                update(comment_table)
                .where(comment_table.c.id == bindparam("child"))
                .values(parent_id=bindparam("parent"), **unchanged_on_update(comment_table)),
                links,
            )

    def _would_loop(self, child_id: int, parent_id: int) -> bool:
        """Whether ``child_id`` is among the ancestors of ``parent_id`` already."""
        node: int | None = parent_id
        for _ in range(MAX_ANCESTORS):
            if node is None:
                return False
            if node == child_id:
                return True
            node = db.session.scalar(select(Comment.parent_id).where(Comment.id == node))
        return True


def _loops(linked: dict[int, int], child: int, parent: int) -> bool:
    node: int | None = parent
    while node is not None:
        if node == child:
            return True
        node = linked.get(node)
    return False


class RowRestorer:
    """Restores the rows of one export section, ``batch_size`` at a time, ids kept.

    A row whose id (or unique value) is already in the database is skipped and counted:
    ``import json`` is a restore into an empty database, and a second run adds nothing.
    """

    def __init__(
        self, section: Any, summary: Summary, *, batch_size: int = BATCH_SIZE, dry_run: bool
    ) -> None:
        self.section = section
        self.summary = summary
        self.batch_size = batch_size
        self.dry_run = dry_run
        self.batch: list[dict[str, Any]] = []
        self.waiting: list[tuple[Any, str, Any]] = []
        self.created = 0

    def add(self, row: dict[str, Any]) -> None:
        self.batch.append(row)
        if len(self.batch) >= self.batch_size:
            self.flush()

    def flush(self) -> None:
        batch, self.batch = self.batch, []
        if not batch:
            return
        table, key = self.section.table, self.section.key
        taken = set(
            db.session.scalars(
                select(table.c[key]).where(table.c[key].in_([row[key] for row in batch]))
            )
        )
        taken_unique = {
            name: set(
                db.session.scalars(
                    select(table.c[name]).where(table.c[name].in_([row[name] for row in batch]))
                )
            )
            for name in self.section.unique
        }
        rows = []
        for row in batch:
            clash = next((n for n in self.section.unique if row[n] in taken_unique[n]), None)
            if row[key] in taken:
                self.summary.skip(f"{self.section.name} already here (same id)")
                continue
            if clash:
                self.summary.skip(f"{self.section.name} with that {clash} already here")
                continue
            taken.add(row[key])
            for name in self.section.unique:
                taken_unique[name].add(row[name])
            for name in self.section.self_references:
                target = row.get(name)
                if target is not None and target >= row[key]:
                    self.waiting.append((row[key], name, target))
                    row = {**row, name: None}
            rows.append({**row, **self.section.restore_values})
        if rows:
            db.session.execute(table.insert(), rows)
            self.created += len(rows)
        if not self.dry_run:
            db.session.commit()

    def finish(self) -> int:
        """Store the rest, then the links to rows that came later; the number stored."""
        self.flush()
        table, key = self.section.table, self.section.key
        for row_key, name, target in self.waiting:
            db.session.execute(
                update(table)
                .where(table.c[key] == row_key)
                .values({name: target, **unchanged_on_update(table)})
            )
        self.waiting = []
        if not self.dry_run:  # PostgreSQL's sequences ignore a rollback
            restart_sequence(table, key)
            db.session.commit()
        return self.created


def unchanged_on_update(table: Any) -> dict[str, Any]:
    """Columns an update would set by themselves (``updated_at``), kept as they are: linking
    a reply to its parent is no change anyone made."""
    return {column.name: column for column in table.c if column.onupdate is not None}


def restart_sequence(table: Any, key: str) -> None:
    """After rows were inserted with their ids, PostgreSQL's next id follows the largest."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    if not isinstance(table.c[key].type, Integer):
        return
    db.session.execute(
        text(
            f"SELECT setval(pg_get_serial_sequence('{table.name}', '{key}'), "
            f"COALESCE((SELECT MAX({key}) FROM {table.name}), 0) + 1, false)"
        )
    )
