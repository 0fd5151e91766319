"""This service's own export (``flask export``), restored section by section, ids kept."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import ijson

from ..core.database import db
from ..core.rows import column_value
from .export import FORMAT, VERSION
from .files import ImportRefused, Progress, check_json, iter_json, open_export
from .model import Summary
from .sections import SECTIONS, Section
from .writer import BATCH_SIZE, RowRestorer

SOURCE = "json"
HEADER_KEYS = frozenset({"format", "version", "exported_at"})


def restore(
    path: Path, summary: Summary, progress: Progress, *, dry_run: bool, batch_size: int = BATCH_SIZE
) -> Summary:
    """Restore every known section of an export into this database."""
    check_json(path)
    keys = _top_level(path)
    header_format = list(iter_json(path, "format"))
    header_version = list(iter_json(path, "version"))
    if header_format != [FORMAT] or header_version != [VERSION]:
        raise ImportRefused(
            f"{path.name}: not an export of this service in version {VERSION} "
            f'(expected "format": "{FORMAT}", "version": {VERSION}).'
        )
    for key in keys - HEADER_KEYS - {s.name for s in SECTIONS}:
        summary.warn(f"section {key!r} is not known here: skipped")
    present = [section for section in SECTIONS if section.name in keys]
    for section in present:  # every row readable, before anything is stored
        for number, item in enumerate(iter_json(path, f"{section.name}.item"), 1):
            _row(section, item, number, path)
    for section in present:
        restorer = RowRestorer(section, summary, batch_size=batch_size, dry_run=dry_run)
        counted = progress if section.name == "comments" else _no_progress
        for number, item in enumerate(iter_json(path, f"{section.name}.item", counted), 1):
            restorer.add(_row(section, item, number, path))
        created = restorer.finish()
        if section.name == "articles":
            summary.articles_created += created
        elif section.name == "comments":
            summary.comments_created += created
        else:
            summary.restored[section.name.replace("_", " ")] += created
        if section.name == "moderators" and created:
            summary.warn(
                f"{created} moderator(s) restored without a password: give each one a new "
                "one with `flask --app wsgi moderators password EMAIL`"
            )
    if dry_run:
        db.session.rollback()
    return summary


def _no_progress(read: int) -> None:
    pass


def _top_level(path: Path) -> set[str]:
    keys: set[str] = set()
    with open_export(path) as handle:
        try:
            for prefix, event, value in ijson.parse(handle):
                if prefix == "" and event == "map_key":
                    keys.add(str(value))
        except ijson.JSONError:
            raise ImportRefused(f"{path.name}: not valid JSON.") from None
    return keys


def _row(section: Section, item: Any, number: int, path: Path) -> dict[str, Any]:
    where = f"{path.name}: {section.name} #{number}"
    if not isinstance(item, dict):
        raise ImportRefused(f"{where} is not an object. Nothing was imported.")
    missing = [name for name in section.columns if name not in item]
    if missing:
        raise ImportRefused(f"{where} lacks {', '.join(missing)}. Nothing was imported.")
    try:
        return {name: column_value(section.table, name, item[name]) for name in section.columns}
    except ValueError as exc:
        raise ImportRefused(f"{where}: {exc}. Nothing was imported.") from None
