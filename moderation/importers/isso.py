"""Isso: its SQLite database (schema version 5), opened read-only; or the JSON file of
Isso's own "generic" import format."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote_plus

from ..comments.models import Status
from ..comments.rendering import render_comment
from .files import ImportRefused, Progress, check_json, iter_json, open_export
from .model import (
    ImportedArticle,
    ImportedComment,
    Summary,
    author_email,
    author_name,
    author_website,
    parse_date,
    source_key,
)

SOURCE = "isso"
SCHEMA_VERSION = 5
# Isso's comment modes.
MODES = {1: Status.APPROVED, 2: Status.PENDING}
DELETED = 4
NO_ADDRESS = ("", "0.0.0.0")
COMMENT_COLUMNS = {"tid", "id", "parent", "created", "mode", "remote_addr", "text", "author"}


def read(path: Path, summary: Summary, progress: Progress) -> Iterator[ImportedComment]:
    """Isso's database, or a JSON file in Isso's generic import format."""
    with open_export(path) as handle:
        head = handle.read(16)
    if head.startswith(b"SQLite format 3"):
        yield from _read_database(path, summary, progress)
    elif head.lstrip()[:1] == b"[":
        yield from _read_generic(path, summary, progress)
    else:
        raise ImportRefused(
            f"{path.name}: neither an Isso database (SQLite) nor Isso's JSON import format."
        )


def _read_database(path: Path, summary: Summary, progress: Progress) -> Iterator[ImportedComment]:
    uri = "file:" + quote(str(path.resolve())) + "?mode=ro"
    try:
        connection = sqlite3.connect(uri, uri=True)
    except sqlite3.Error as exc:
        raise ImportRefused(f"{path.name} cannot be opened read-only: {exc}.") from None
    connection.row_factory = sqlite3.Row
    try:
        _check_schema(connection, path, summary)
        query = (
            "SELECT c.*, t.uri AS thread_uri, t.title AS thread_title FROM comments c "
            "JOIN threads t ON t.id = c.tid ORDER BY c.id"
        )
        cursor = connection.execute(query)
        while rows := cursor.fetchmany(500):
            for row in rows:
                progress(1)
                comment = _database_comment(dict(row), summary)
                if comment is not None:
                    yield comment
        orphans = connection.execute(
            "SELECT COUNT(*) FROM comments WHERE tid NOT IN (SELECT id FROM threads)"
        ).fetchone()[0]
        for _ in range(orphans):
            summary.skip("on a thread that is not in the file")
    except sqlite3.DatabaseError as exc:
        raise ImportRefused(f"{path.name} is not a readable Isso database: {exc}.") from None
    finally:
        connection.close()


def comment_count(path: Path) -> int | None:
    """How many comments an Isso database holds (for the progress bar), when it is one."""
    try:
        uri = "file:" + quote(str(path.resolve())) + "?mode=ro"
        with sqlite3.connect(uri, uri=True) as connection:
            return int(connection.execute("SELECT COUNT(*) FROM comments").fetchone()[0])
    except sqlite3.Error:
        return None


def _check_schema(connection: sqlite3.Connection, path: Path, summary: Summary) -> None:
    tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    if not {"comments", "threads"} <= tables:
        raise ImportRefused(f"{path.name} has no Isso tables (comments, threads).")
    columns = {row[1] for row in connection.execute("PRAGMA table_info(comments)")}
    missing = COMMENT_COLUMNS - columns
    if missing:
        lacking = ", ".join(sorted(missing))
        raise ImportRefused(f"{path.name}: Isso's comments table lacks {lacking}.")
    version = connection.execute("PRAGMA user_version").fetchone()[0]
    if version != SCHEMA_VERSION:
        summary.warn(f"Isso schema version {version}, not {SCHEMA_VERSION}: read all the same")


def _database_comment(row: dict[str, Any], summary: Summary) -> ImportedComment | None:
    if row["mode"] == DELETED:
        summary.skip("deleted in the source")
        return None
    text = (row["text"] or "").strip()
    if not text:
        summary.skip("without any text")
        return None
    try:
        created = datetime.fromtimestamp(float(row["created"]), UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        summary.skip("without a readable date")
        return None
    status = MODES.get(row["mode"])
    if status is None:
        summary.warn(f"unknown Isso mode {row['mode']!r}: imported as pending")
        status = Status.PENDING
    address = (row["remote_addr"] or "").strip()
    return ImportedComment(
        source_id=str(row["id"]),
        article=ImportedArticle(
            key=str(row["tid"]), url=row["thread_uri"] or "", title=row["thread_title"] or ""
        ),
        author_name=author_name(row["author"] or ""),
        email=author_email(row.get("email") or "", summary),
        website=author_website(row.get("website") or ""),
        remote_addr=None if address in NO_ADDRESS else address,
        created_at=created,
        status=status,
        body=text,
        html=render_comment(text),
        parent_source_id=str(row["parent"]) if row["parent"] else None,
    )


def _title(text: str) -> str:
    """Isso's generic format often carries form-encoded titles ("Nat+%26+Miguel")."""
    if " " not in text and ("+" in text or "%" in text):
        return unquote_plus(text)
    return text


def _read_generic(path: Path, summary: Summary, progress: Progress) -> Iterator[ImportedComment]:
    check_json(path)
    for thread in iter_json(path, "item", progress):
        if not isinstance(thread, dict) or not isinstance(thread.get("comments"), list):
            summary.skip("in a thread that is not an object with comments")
            continue
        uri = str(thread.get("id") or "")
        article = ImportedArticle(key=uri, url=uri, title=_title(str(thread.get("title") or "")))
        for item in thread["comments"]:
            if not isinstance(item, dict):
                summary.skip("that is not a JSON object")
                continue
            text = str(item.get("text") or "").strip()
            created = parse_date(str(item.get("created") or ""))
            if not text:
                summary.skip("without any text")
                continue
            if created is None:
                summary.skip("without a readable date")
                continue
            address = str(item.get("remote_addr") or "").strip()
            yield ImportedComment(
                source_id=source_key(uri, str(item.get("id", ""))),
                article=article,
                author_name=author_name(str(item.get("author") or "")),
                email=author_email(str(item.get("email") or ""), summary),
                website=author_website(str(item.get("website") or "")),
                remote_addr=None if address in NO_ADDRESS else address,
                created_at=created,
                status=Status.APPROVED,
                body=text,
                html=render_comment(text),
            )
