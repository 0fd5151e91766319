"""What a request sends, decoded and type-checked once, at the edge.

Every view reads its input through these functions, so nothing past them meets a
number where it expects text, a nested structure, text that cannot be stored (lone
surrogates), or a body in a form it does not read. A bad input is a 400 (or a 413,
415) naming the field, never an exception further in.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from flask import abort, request
from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})
# A body is one object of text fields. A field holding a list or an object is refused by
# name; anything nested deeper than this is refused before it is decoded at all.
MAX_JSON_DEPTH = 4
# A string, or an unterminated one up to the end: with the closing quote optional every
# match succeeds where it starts, so the scan is linear. (Requiring it made a body of
# ``"\"\"\"…`` fail from every quote to the end: quadratic, minutes for 160 KiB.)
JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"?', re.DOTALL)
BRACKET = re.compile(r"[\[\]{}]")


def text_problem(value: str) -> str | None:
    """Why ``value`` cannot be stored as text (lone surrogates), or None."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "lone surrogates"
    return None


def checked_text(field: str, value: str) -> str:
    problem = text_problem(value)
    if problem:
        abort(
            400,
            _(
                "The field %(field)s contains characters that are not text (%(problem)s).",
                field=repr(field),
                problem=problem,
            ),
        )
    return value


def json_depth(text: str) -> int:
    """How deeply the arrays and objects of a JSON text nest (strings skipped)."""
    depth = deepest = 0
    for bracket in BRACKET.findall(JSON_STRING.sub('""', text)):
        depth += 1 if bracket in "[{" else -1
        deepest = max(deepest, depth)
    return deepest


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def json_fields(fields: Iterable[str], flags: Iterable[str] = ()) -> MultiDict[str, str]:
    """The request's JSON body as text fields: one object whose values are strings or
    whole numbers (for ids), or booleans for the ``flags`` (checkboxes: ``true`` is
    ticked); ``null`` means absent, unknown keys are ignored."""
    raw = request.get_data(cache=True)
    # A chunked body is cut at the size limit rather than refused: refuse it here, so an
    # oversized body is a 413 and not "invalid JSON".
    limit = request.max_content_length
    if limit is not None and len(raw) >= limit:
        abort(413)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        abort(400, _("The request body is not valid UTF-8."))
    if json_depth(text) > MAX_JSON_DEPTH:
        abort(
            400,
            _("The JSON body is nested too deeply: send one object whose values are strings."),
        )
    try:
        data = json.loads(text, parse_constant=_refuse_constant)
    except ValueError:
        abort(400, _("The request body is not valid JSON."))
    if not isinstance(data, dict):
        abort(400, _("Send a JSON object with the fields."))
    return _text_fields(data, fields, flags)


def _text_fields(
    data: Mapping[str, Any], fields: Iterable[str], flags: Iterable[str] = ()
) -> MultiDict[str, str]:
    decoded: MultiDict[str, str] = MultiDict()
    flags = frozenset(flags)
    for key in fields:
        value = data.get(key)
        if value is None:
            continue
        if isinstance(value, bool) and key in flags:
            if value:
                decoded[key] = "y"
            continue
        if isinstance(value, bool) or not isinstance(value, str | int):
            abort(400, _("The field %(field)s must be a string.", field=repr(key)))
        decoded[key] = checked_text(key, str(value))
    return decoded


def form_fields(fields: Iterable[str]) -> MultiDict[str, str]:
    """The posted form's fields (the first value of each), as checked text."""
    return _text_fields({key: request.form.get(key) for key in fields}, fields)


def body_fields(fields: Iterable[str], flags: Iterable[str] = ()) -> MultiDict[str, str]:
    """The fields of a JSON body or of a form, whichever the request sent (``flags``:
    the checkboxes among them, which JSON may send as booleans)."""
    fields = tuple(fields)
    return json_fields(fields, flags) if request.is_json else form_fields(fields)


def require_form_post() -> None:
    """Pages' forms are read from form bodies only: anything else is a 415."""
    if request.method != "POST":
        return
    if request.mimetype in FORM_TYPES or (not request.mimetype and not request.content_length):
        for key, value in request.form.items(multi=True):
            checked_text(key, value)
        return
    abort(
        415,
        _("This form is sent as application/x-www-form-urlencoded or multipart/form-data."),
    )
