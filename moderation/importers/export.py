"""The full export: every section as one JSON document, written as it is read."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

from sqlalchemy import select

from ..core.database import db, utcnow
from ..core.rows import json_value, row_to_json
from .sections import SECTIONS

log = logging.getLogger(__name__)

FORMAT = "moderation-export"
VERSION = 1
SCHEMA_URL = "docs/export-schema.json"
ROWS_PER_READ = 1000


def export_chunks() -> Iterator[str]:
    """The export, in pieces to write or send one after the other: one row at a time,
    so memory does not grow with the database. Rows come in key order."""
    header = {"format": FORMAT, "version": VERSION, "exported_at": json_value(utcnow())}
    yield json.dumps(header, ensure_ascii=False)[:-1]
    counts: dict[str, int] = {}
    for section in SECTIONS:
        yield f',\n"{section.name}": ['
        columns = section.columns
        key = section.table.c[section.key]
        query = select(*[section.table.c[name] for name in columns]).order_by(key)
        result = db.session.execute(query.execution_options(yield_per=ROWS_PER_READ))
        count = 0
        for row in result.mappings():
            yield ("\n" if count == 0 else ",\n") + _dumps(row_to_json(row, columns))
            count += 1
        counts[section.name] = count
        yield "\n]"
    yield "\n}\n"
    log.info("Exported %s", ", ".join(f"{count} {name}" for name, count in counts.items()))


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
