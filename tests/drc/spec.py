"""The published Documenten API schema (``documenten-api-1.5.0.yaml``) as JSON Schema
validators, for requests as well as responses (OpenAPI 3.0 -> JSON Schema as in
``tests/zgw/spec.py``), so the fake server cannot drift from the real API."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

from tests.zgw.spec import to_json_schema

SPEC_PATH = Path(__file__).with_name("documenten-api-1.5.0.yaml")
SPEC_URI = "urn:zgw:documenten-api:1.5.0"


@cache
def spec() -> dict[str, Any]:
    return yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))


@cache
def _registry():
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    return Registry().with_resource(
        SPEC_URI, Resource(to_json_schema(spec()), specification=DRAFT202012))


def _escape(path: str) -> str:
    return path.replace("~", "~0").replace("/", "~1")


def _check(pointer: str, instance: Any) -> list[str]:
    from jsonschema import Draft202012Validator

    check = Draft202012Validator({"$ref": f"{SPEC_URI}{pointer}"}, registry=_registry(),
                                 format_checker=Draft202012Validator.FORMAT_CHECKER)
    return [f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}"
            for e in check.iter_errors(instance)]


def operation(path: str, method: str) -> dict[str, Any]:
    return spec()["paths"][path][method]


def request_errors(instance: Any, path: str, method: str, media: str) -> list[str]:
    """Every way a request body breaks the operation's request schema, including a
    property the schema does not know or a read-only one (empty: valid)."""
    body = operation(path, method)["requestBody"]["content"]
    if media not in body:
        return [f"<content-type>: {media} is not one of {', '.join(body)}"]
    pointer = (f"#/paths/{_escape(path)}/{method}/requestBody/content/{_escape(media)}"
               "/schema")
    problems = _check(pointer, instance)
    ref = body[media]["schema"]["$ref"].rsplit("/", 1)[1]
    properties = spec()["components"]["schemas"][ref]["properties"]
    for key in instance if isinstance(instance, dict) else ():
        if key not in properties:
            problems.append(f"{key}: not a property of {ref}")
        elif properties[key].get("readOnly"):
            problems.append(f"{key}: read-only in {ref}")
    return problems


def response_errors(instance: Any, path: str, method: str, status: str) -> list[str]:
    """Every way a response body breaks the operation's response schema (empty: valid);
    a status the operation does not document is an error too."""
    responses = operation(path, method)["responses"]
    if status not in responses:
        return [f"<status>: {status} is not documented for {method.upper()} {path}"]
    content = responses[status].get("content") or {}
    if not content:
        return [] if instance is None else ["<root>: this status has no body"]
    (media,) = content
    return _check(f"#/paths/{_escape(path)}/{method}/responses/{status}/content/"
                  f"{_escape(media)}/schema", instance)
