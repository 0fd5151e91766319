"""Reading an export file safely: stray bytes before the XML, well-formedness checked
before anything is stored, every refusal naming the line and the reason."""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any
from xml.etree.ElementTree import Element, ParseError

import ijson
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

from ..core.exceptions import DomainError
from .model import Summary

Progress = Callable[[int], None]
# Enough to find the start of the XML past a stray character or a byte-order mark.
HEAD_BYTES = 4096
# A JSON file up to this size is read once more, whole, to name the line of an error.
JSON_ERROR_DETAIL_MAX = 64 * 1024 * 1024


class ImportRefused(DomainError):
    """The file cannot be imported at all; nothing was stored. The message says where
    and why."""


def _no_progress(read: int) -> None:
    pass


class CountingReader(io.RawIOBase):
    """A binary file that reports how many bytes were read, for the progress bar."""

    def __init__(self, raw: IO[bytes], progress: Progress) -> None:
        self.raw = raw
        self.progress = progress

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.raw.read(len(buffer))
        buffer[: len(data)] = data
        self.progress(len(data))
        return len(data)


def open_export(path: Path) -> IO[bytes]:
    try:
        return path.open("rb")
    except OSError as exc:
        raise ImportRefused(f"{path} cannot be opened: {exc.strerror or exc}.") from None


def xml_start(path: Path, summary: Summary | None = None) -> tuple[int, int]:
    """Where the XML starts (in bytes) and how many lines come before it: a file with
    stray characters before ``<?xml`` is read from the ``<``, with a warning."""
    with open_export(path) as handle:
        head = handle.read(HEAD_BYTES)
    start = head.find(b"<")
    if start < 0:
        raise ImportRefused(f"{path.name}, line 1: this is not an XML file (no '<' found).")
    skipped = head[:start].removeprefix(b"\xef\xbb\xbf")
    if skipped.strip() and summary is not None:
        summary.warn(
            f"line 1: {len(skipped.strip())} stray character(s) before the XML were ignored"
        )
    return start, head[:start].count(b"\n")


def iter_xml(
    path: Path, events: tuple[str, ...], progress: Progress = _no_progress
) -> Iterator[tuple[str, Element]]:
    """``iterparse`` over the file from where its XML starts (DTDs' entities refused)."""
    start, lines_before = xml_start(path)
    with open_export(path) as raw:
        raw.seek(start)
        progress(start)
        stream = io.BufferedReader(CountingReader(raw, progress))
        try:
            yield from iterparse(stream, events=events, forbid_entities=True)
        except ParseError as exc:
            line, column = exc.position
            reason = str(exc).split(":", 1)[0]
            raise ImportRefused(
                f"{path.name}, line {line + lines_before}, column {column + 1}: {reason}. "
                "Nothing was imported; fix the file and run the import again."
            ) from None
        except DefusedXmlException as exc:
            raise ImportRefused(
                f"{path.name}: the file declares entities ({exc}), which are not read. "
                "Nothing was imported."
            ) from None


def check_xml(path: Path, summary: Summary) -> None:
    """Read the whole file once, keeping nothing, so a broken one is refused before
    anything is stored."""
    xml_start(path, summary)
    for _, element in iter_xml(path, ("end",)):
        element.clear()


def local_name(tag: str) -> str:
    """``{http://wordpress.org/export/1.2/}comment`` → ``comment``."""
    return tag.rsplit("}", 1)[-1]


def child_text(element: Element, name: str) -> str:
    """The text of ``element``'s first child called ``name`` (any namespace), or ''."""
    for child in element:
        if local_name(child.tag) == name:
            return (child.text or "").strip()
    return ""


def child(element: Element, name: str) -> Element | None:
    for item in element:
        if local_name(item.tag) == name:
            return item
    return None


# --- JSON ------------------------------------------------------------------------


def check_json(path: Path) -> None:
    """Read the whole file once, so broken JSON is refused before anything is stored."""
    with open_export(path) as handle:
        try:
            for _ in ijson.parse(handle):
                pass
        except ijson.JSONError:
            raise ImportRefused(json_problem(path)) from None


def json_problem(path: Path) -> str:
    """Where and why the JSON of ``path`` is broken."""
    where = f"{path.name}: not valid JSON"
    if path.stat().st_size <= JSON_ERROR_DETAIL_MAX:
        try:
            json.loads(path.read_bytes())
        except json.JSONDecodeError as exc:
            where = f"{path.name}, line {exc.lineno}, column {exc.colno}: {exc.msg}"
        except (UnicodeDecodeError, ValueError) as exc:
            where = f"{path.name}: not valid JSON ({exc})"
    return f"{where}. Nothing was imported."


def iter_json(path: Path, prefix: str, progress: Progress = _no_progress) -> Iterator[Any]:
    """The items at ``prefix`` (``comments.item``), one at a time."""
    with open_export(path) as raw:
        stream = io.BufferedReader(CountingReader(raw, progress))
        try:
            yield from ijson.items(stream, prefix, use_float=True)
        except ijson.JSONError:
            raise ImportRefused(json_problem(path)) from None
