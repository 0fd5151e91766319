"""The checked-in OpenAPI description, and a check of real responses against it."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from werkzeug.test import TestResponse

SPEC_FILE = Path(__file__).resolve().parent.parent / "moderation" / "static" / "openapi.json"
SPEC_URI = "urn:moderation:openapi"


@cache
def spec() -> dict[str, Any]:
    return json.loads(SPEC_FILE.read_text(encoding="utf-8"))


@cache
def _registry() -> Registry:
    return Registry().with_resource(
        SPEC_URI, Resource.from_contents(spec(), default_specification=DRAFT202012)
    )


def _pointer(*parts: str) -> str:
    return "/".join(p.replace("~", "~0").replace("/", "~1") for p in parts)


def _resolve(node: dict[str, Any]) -> dict[str, Any]:
    """A response object, following one ``$ref`` into ``components`` if it is one."""
    ref = node.get("$ref")
    if ref is None:
        return node
    target: Any = spec()
    for part in ref.removeprefix("#/").split("/"):
        target = target[part.replace("~1", "/").replace("~0", "~")]
    return dict(target)


def spec_path(url: str) -> str:
    """The templated path of the spec that a concrete URL path falls under."""
    path = url.split("?", 1)[0]
    for template in spec()["paths"]:
        pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template))
        if re.fullmatch(pattern, path):
            return str(template)
    raise AssertionError(f"{path} is not described in the OpenAPI document")


def assert_conforms(method: str, url: str, response: TestResponse) -> None:
    """``response`` has a status the spec lists for the operation, its required headers,
    and a JSON body valid against that status's schema."""
    template = spec_path(url)
    operation = spec()["paths"][template][method.lower()]
    status = str(response.status_code)
    assert status in operation["responses"], (
        f"{method} {template} answered {status}, which the spec does not list"
    )
    described = _resolve(operation["responses"][status])
    for name, header in described.get("headers", {}).items():
        header = _resolve(header)
        if header.get("required"):
            assert name in response.headers, f"{status} without its {name} header"
    content = described.get("content")
    if not content:
        return
    assert response.mimetype in content, f"{status} is {response.mimetype}, not as described"
    where = _pointer(
        "paths", template, method.lower(), "responses", status, "content", response.mimetype
    )
    if "$ref" in operation["responses"][status]:
        ref = operation["responses"][status]["$ref"].removeprefix("#/").split("/")
        where = _pointer(*ref, "content", response.mimetype)
    validator = Draft202012Validator(
        {"$ref": f"{SPEC_URI}#/{where}/schema"},
        registry=_registry(),
        format_checker=FormatChecker(),
    )
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(response.json)]
    assert not errors, f"{method} {url} → {status} does not match its schema: {errors}"
