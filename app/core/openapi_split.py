"""Part of the spec as a document of its own, so an app's SDK carries no admin client.

`openapi/openapi.json` is the whole served spec; `openapi/app.json` holds what a fitness app
calls, `openapi/admin.json` what an operator's tools call (and the webhooks they receive).
Each keeps only the schemas, headers and tags its operations reach.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from typing import Any

HTTP_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})
Keep = Callable[[str, dict[str, Any]], bool]


def subset(spec: dict[str, Any], keep: Keep, *, webhooks: bool, title: str) -> dict[str, Any]:
    """The operations `keep(path, operation)` accepts, with what they refer to."""
    out = copy.deepcopy({key: value for key, value in spec.items() if key != "webhooks"})
    out["info"] = {**out["info"], "title": title}
    paths: dict[str, Any] = {}
    for path, item in out.get("paths", {}).items():
        kept = {
            method: operation
            for method, operation in item.items()
            if method not in HTTP_METHODS or keep(path, operation)
        }
        if any(method in HTTP_METHODS for method in kept):
            paths[path] = kept
    out["paths"] = paths
    if webhooks and "webhooks" in spec:
        out["webhooks"] = copy.deepcopy(spec["webhooks"])
    _prune_components(out)
    used_tags = {tag for operation in _operations(out) for tag in operation.get("tags", [])}
    out["tags"] = [tag for tag in out.get("tags", []) if tag["name"] in used_tags]
    return out


def _operations(spec: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for section in ("paths", "webhooks"):
        for item in spec.get(section, {}).values():
            for method, operation in item.items():
                if method in HTTP_METHODS:
                    yield operation


def _prune_components(spec: dict[str, Any]) -> None:
    """Keep the components reachable from the operations, following references."""
    components = spec.get("components", {})
    reached: set[tuple[str, str]] = set()
    todo = list(_refs({"paths": spec.get("paths"), "webhooks": spec.get("webhooks")}))
    while todo:
        kind, name = todo.pop()
        if (kind, name) not in reached:
            reached.add((kind, name))
            todo += _refs(components[kind][name])
    for kind in ("schemas", "headers", "parameters", "responses"):
        if kind in components:
            components[kind] = {
                name: value for name, value in components[kind].items() if (kind, name) in reached
            }


def _refs(node: Any) -> Iterator[tuple[str, str]]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str) and value.startswith("#/components/"):
                kind, name = value.removeprefix("#/components/").split("/", 1)
                yield kind, name
            elif key == "mapping" and isinstance(value, dict):
                for target in value.values():
                    kind, name = str(target).removeprefix("#/components/").split("/", 1)
                    yield kind, name
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)
