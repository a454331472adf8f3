"""The published Zaken API schema (``zaken-api-1.5.1.yaml``) as JSON Schema validators.

OpenAPI 3.0 schemas are JSON Schema plus ``nullable``; this turns ``nullable: true`` into
a ``null`` alternative and validates with Draft 2020-12, resolving ``$ref``s within the
spec document, so the fake server cannot drift from the real API.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

SPEC_PATH = Path(__file__).with_name("zaken-api-1.5.1.yaml")
SPEC_URI = "urn:zgw:zaken-api:1.5.1"


def to_json_schema(node: Any) -> Any:
    """OpenAPI 3.0 schema object -> JSON Schema (only ``nullable`` differs for our use)."""
    if isinstance(node, list):
        return [to_json_schema(v) for v in node]
    if not isinstance(node, dict):
        return node
    out = {k: to_json_schema(v) for k, v in node.items() if k != "nullable"}
    if node.get("nullable") is True:
        if isinstance(out.get("type"), str):
            out["type"] = [out["type"], "null"]
            if "enum" in out:
                out["enum"] = [*out["enum"], None]
        else:
            out = {"anyOf": [out, {"type": "null"}]}
    return out


@cache
def spec() -> dict[str, Any]:
    return yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))


@cache
def _registry():
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    document = to_json_schema(spec())
    return Registry().with_resource(SPEC_URI, Resource(document, specification=DRAFT202012))


def validator(ref: str):
    """A validator for ``#/components/schemas/Zaak`` or any JSON pointer into the spec."""
    from jsonschema import Draft202012Validator

    return Draft202012Validator({"$ref": f"{SPEC_URI}{ref}"}, registry=_registry(),
                                format_checker=Draft202012Validator.FORMAT_CHECKER)


def response_pointer(path: str, status: str = "200", method: str = "get") -> str:
    """The JSON pointer of an operation's JSON response schema."""
    escaped = path.replace("~", "~0").replace("/", "~1")
    operation = spec()["paths"][path][method]["responses"][status]
    media = "application/json" if "application/json" in operation["content"] \
        else "application/problem+json"
    return f"#/paths/{escaped}/{method}/responses/{status}/content/{media.replace('/', '~1')}" \
        "/schema"


def errors(instance: Any, path: str, status: str = "200") -> list[str]:
    """Every way ``instance`` breaks the response schema of ``GET path`` (empty: valid)."""
    check = validator(response_pointer(path, status))
    return [f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}"
            for e in check.iter_errors(instance)]
