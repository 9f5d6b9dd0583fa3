"""Does a new OpenAPI document break clients of an old one? Lists every breaking change.

    python -m scripts.openapi_compat [openapi/v1.json]   # the live document against v1

Breaking, for a client written against the old document:
- a path, an operation (method) or an `operationId` gone (generated clients call by it);
- a parameter gone (the API answers an unknown parameter with 400), a new required
  parameter, an optional parameter made required;
- a success status or one of its media types gone;
- in a parameter or a response: a field (object property) gone, an enum value gone, a
  narrowed type (a type no longer allowed, an enum or `const` where any value was, a
  stricter length, bound or pattern);
- in a response: a field that was always present (`required`) becoming optional.
Additions pass: new paths, operations, optional parameters, fields, enum values, statuses.

Written here because the maintained diff tools do not install from PyPI or npm on this
machine (`oasdiff` is a Go binary; `@pb33f/openapi-changes` downloads one at install).
"""

import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

Schema = dict[str, Any]
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
BOUNDS = {
    "maxLength": "max",
    "maxItems": "max",
    "maximum": "max",
    "exclusiveMaximum": "max",
    "minLength": "min",
    "minItems": "min",
    "minimum": "min",
    "exclusiveMinimum": "min",
}


class Documents:
    """The old and the new document, for resolving `$ref`s in each."""

    def __init__(self, old: dict[str, Any], new: dict[str, Any]) -> None:
        self.old, self.new = old, new

    @staticmethod
    def resolve(document: dict[str, Any], schema: Schema) -> Schema:
        seen = 0
        while "$ref" in schema and seen < 32:
            node: Any = document
            for part in schema["$ref"].removeprefix("#/").split("/"):
                node = node[part.replace("~1", "/").replace("~0", "~")]
            schema, seen = node, seen + 1
        return schema


def breaking_changes(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    docs = Documents(old, new)
    return list(_paths(docs))


def _paths(docs: Documents) -> Iterator[str]:
    new_paths = docs.new.get("paths", {})
    for path, old_item in docs.old.get("paths", {}).items():
        new_item = new_paths.get(path)
        if new_item is None:
            yield f"{path}: path removed"
            continue
        for method in METHODS:
            if method not in old_item:
                continue
            where = f"{method.upper()} {path}"
            if method not in new_item:
                yield f"{where}: operation removed"
                continue
            yield from _operation(docs, where, old_item[method], new_item[method])


def _operation(
    docs: Documents, where: str, old: dict[str, Any], new: dict[str, Any]
) -> Iterator[str]:
    if "operationId" in old and old["operationId"] != new.get("operationId"):
        yield f"{where}: operationId {old['operationId']!r} became {new.get('operationId')!r}"
    old_params = {(p["in"], p["name"]): p for p in old.get("parameters", [])}
    new_params = {(p["in"], p["name"]): p for p in new.get("parameters", [])}
    for key, parameter in old_params.items():
        here = f"{where} parameter {key[1]} ({key[0]})"
        if key not in new_params:
            yield f"{here}: removed"
            continue
        if new_params[key].get("required") and not parameter.get("required"):
            yield f"{here}: now required"
        yield from _schema(
            docs, here, parameter.get("schema", {}), new_params[key].get("schema", {}), "request"
        )
    for key, parameter in new_params.items():
        if key not in old_params and parameter.get("required"):
            yield f"{where} parameter {key[1]} ({key[0]}): new and required"
    new_responses = new.get("responses", {})
    for status, response in old.get("responses", {}).items():
        here = f"{where} response {status}"
        if status not in new_responses:
            if status.startswith("2"):
                yield f"{here}: removed"
            continue
        new_content = new_responses[status].get("content", {})
        for media_type, media in response.get("content", {}).items():
            if media_type not in new_content:
                if status.startswith("2"):
                    yield f"{here}: media type {media_type} removed"
                continue
            yield from _schema(
                docs,
                f"{here} {media_type}",
                media.get("schema", {}),
                new_content[media_type].get("schema", {}),
                "response",
            )


def _branches(
    docs: Documents, document: dict[str, Any], schema: Schema, ref: str | None = None
) -> list[tuple[str | None, Schema]]:
    """The alternatives of a schema (its `anyOf`/`oneOf`, flattened), each with the name
    of the component it came from, if any."""
    ref = schema.get("$ref", ref)
    schema = docs.resolve(document, schema)
    options = schema.get("anyOf") or schema.get("oneOf")
    if not options:
        return [(ref, schema)]
    return [b for option in options for b in _branches(docs, document, option)]


def _types(schema: Schema) -> set[str]:
    kind = schema.get("type")
    if kind is None:
        return set()  # any type
    return {kind} if isinstance(kind, str) else set(kind)


def _accepts_types(old: set[str], new: set[str]) -> bool:
    if not new:
        return True
    if not old:
        return False
    widened = new | ({"integer"} if "number" in new else set())
    return old <= widened


def _schema(
    docs: Documents, where: str, old: Schema, new: Schema, direction: str, depth: int = 0
) -> Iterator[str]:
    """Every way `new` accepts less than `old` (and, for a response, promises less)."""
    if depth > 24:
        return
    new_branches = _branches(docs, docs.new, new)
    for index, (ref, branch) in enumerate(_branches(docs, docs.old, old)):
        matches = [b for b in new_branches if _accepts_types(_types(branch), _types(b[1]))]
        if not matches:
            kinds = "|".join(sorted(_types(branch))) or "any"
            yield f"{where}: type narrowed ({kinds} no longer allowed)"
            continue
        # Compare with the closest new branch: the same component, else the one at the same
        # place with the same types, else any with the same types.
        same_types = [b for b in matches if _types(b[1]) == _types(branch)] or matches
        closest = next((b for b in matches if ref is not None and b[0] == ref), None)
        if closest is None and index < len(new_branches) and new_branches[index] in same_types:
            closest = new_branches[index]
        yield from _values(docs, where, branch, (closest or same_types[0])[1], direction, depth)


_NAME_LIST = re.compile(r"\^\(\?:([^()]*)\)\(\?:,\(\?:([^()]*)\)\)(\*|\{0,(\d+)\})\$")
"""A comma-separated list of names, as `fields`, `sort` and `collections` declare it:
`^(?:a|b)(?:,(?:a|b)){0,N}$` (or `*` for any number)."""


def _name_list(pattern: str) -> tuple[frozenset[str], float] | None:
    match = _NAME_LIST.fullmatch(pattern)
    if match is None or match.group(1) != match.group(2):
        return None
    most = float("inf") if match.group(3) == "*" else float(match.group(4))
    return frozenset(match.group(1).split("|")), most


def _widened_name_list(old: str | None, new: str) -> bool:
    """True when both patterns are name lists and the new one takes every list the old one
    took (names added, or more of them allowed): an addition, not a narrowing."""
    if old is None:
        return False
    before, after = _name_list(old), _name_list(new)
    return (
        before is not None and after is not None and before[0] <= after[0] and before[1] <= after[1]
    )


def _values(
    docs: Documents, where: str, old: Schema, new: Schema, direction: str, depth: int
) -> Iterator[str]:
    if "enum" in new:
        if "enum" not in old:
            yield f"{where}: narrowed to an enum"
        else:
            gone = [v for v in old["enum"] if v not in new["enum"]]
            if gone:
                yield f"{where}: enum value(s) removed: {', '.join(map(str, gone))}"
    if "const" in new and old.get("const", object()) != new["const"]:
        yield f"{where}: narrowed to a constant"
    for key, side in BOUNDS.items():
        if key not in new:
            continue
        if key not in old:
            yield f"{where}: {key} {new[key]} added"
        elif (side == "max" and new[key] < old[key]) or (side == "min" and new[key] > old[key]):
            yield f"{where}: {key} {old[key]} became {new[key]}"
    if (
        "pattern" in new
        and new["pattern"] != old.get("pattern")
        and not _widened_name_list(old.get("pattern"), new["pattern"])
    ):
        yield f"{where}: pattern became {new['pattern']!r}"
    if "format" in new and new["format"] != old.get("format"):
        yield f"{where}: format became {new['format']!r}"
    old_props, new_props = old.get("properties", {}), new.get("properties", {})
    for name, schema in old_props.items():
        if name not in new_props:
            yield f"{where}: field {name} removed"
            continue
        yield from _schema(docs, f"{where}.{name}", schema, new_props[name], direction, depth + 1)
    old_required, new_required = set(old.get("required", [])), set(new.get("required", []))
    if direction == "response":
        for name in sorted(old_required - new_required):
            if name in new_props:
                yield f"{where}: field {name} no longer always present"
    else:
        for name in sorted(new_required - old_required):
            yield f"{where}: field {name} now required"
    if "items" in old and "items" in new:
        yield from _schema(docs, f"{where}[]", old["items"], new["items"], direction, depth + 1)


def main() -> None:
    from scripts.openapi_dump import document

    committed = Path(sys.argv[1] if len(sys.argv) > 1 else "openapi/v1.json")
    problems = breaking_changes(json.loads(committed.read_text(encoding="utf-8")), document())
    for problem in problems:
        print(problem)
    print(f"{len(problems)} breaking change(s) against {committed}", file=sys.stderr)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
