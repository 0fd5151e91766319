"""Table rows to JSON values and back, by column type: dates as ISO 8601 in UTC."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Enum, Table
from sqlalchemy.engine import RowMapping

from .database import MAX_ID, UTCDateTime


def json_value(value: Any) -> Any:
    """A column's value as JSON holds it."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, enum.Enum):
        return value.value
    return value


def row_to_json(row: RowMapping, columns: list[str]) -> dict[str, Any]:
    return {name: json_value(row[name]) for name in columns}


def column_value(table: Table, name: str, value: Any) -> Any:
    """A JSON value back as the column ``name`` of ``table`` stores it; ValueError when
    it cannot be one."""
    if value is None:
        return None
    kind = table.c[name].type
    if isinstance(kind, UTCDateTime):
        if not isinstance(value, str):
            raise ValueError(f"{name}: expected a date")
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        if parsed.tzinfo is None:
            raise ValueError(f"{name}: a date needs its time zone")
        return parsed.astimezone(UTC)
    if isinstance(kind, Enum) and kind.enum_class is not None:
        return kind.enum_class(value)
    try:
        python_type = kind.python_type
    except NotImplementedError:
        return value
    if python_type is bool and not isinstance(value, bool):
        raise ValueError(f"{name}: expected true or false")
    if python_type is int and (
        isinstance(value, bool) or not isinstance(value, int) or not -MAX_ID <= value <= MAX_ID
    ):
        raise ValueError(f"{name}: expected a whole number")
    if python_type is str:
        if not isinstance(value, str) or "\x00" in value:
            raise ValueError(f"{name}: expected text")
        length = getattr(kind, "length", None)
        if length is not None and len(value) > length:
            raise ValueError(f"{name}: longer than {length} characters")
    return value
