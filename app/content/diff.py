"""What changed between two bundles, item by item and field by field."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from app.rules.bundle import BUNDLE_KINDS, Bundle


class FieldChange(BaseModel):
    """One changed field of an item: its dotted path, old and new value."""

    path: str
    before: Any = Field(default=None, alias="from")
    after: Any = Field(default=None, alias="to")

    model_config = {"populate_by_name": True, "serialize_by_alias": True}


class ItemChange(BaseModel):
    """An item present in both versions whose fields differ."""

    id: str
    changes: list[FieldChange]


class KindDiff(BaseModel):
    """The differences within one kind of item (causes, tips, ...)."""

    added: list[str] = Field(default_factory=list)
    removed: list[str] = Field(default_factory=list)
    changed: list[ItemChange] = Field(default_factory=list)


def _flatten(value: Any, prefix: str, out: dict[str, Any]) -> None:
    if isinstance(value, dict) and value:
        for key, inner in value.items():
            _flatten(inner, f"{prefix}.{key}" if prefix else str(key), out)
    else:
        out[prefix] = value


def field_changes(before: Any, after: Any) -> list[FieldChange]:
    """Dotted-path changes between two JSON-like values (lists compare whole)."""
    old: dict[str, Any] = {}
    new: dict[str, Any] = {}
    _flatten(before, "", old)
    _flatten(after, "", new)
    return [
        FieldChange(path=path or "(value)", before=old.get(path), after=new.get(path))
        for path in sorted(old.keys() | new.keys())
        if old.get(path) != new.get(path)
    ]


def diff_items(before: Bundle, after: Bundle) -> dict[str, KindDiff]:
    """Added, removed and changed items for every kind, plus the bundle-wide settings."""
    old_doc = before.model_dump(mode="json")
    new_doc = after.model_dump(mode="json")
    result: dict[str, KindDiff] = {}
    for kind, id_attr in [*BUNDLE_KINDS.items(), ("questions", "field"), ("golden_cases", "id")]:
        old_items = {item[id_attr]: item for item in old_doc[kind]}
        new_items = {item[id_attr]: item for item in new_doc[kind]}
        result[kind] = KindDiff(
            added=[i for i in new_items if i not in old_items],
            removed=[i for i in old_items if i not in new_items],
            changed=[
                ItemChange(id=i, changes=changes)
                for i in new_items
                if i in old_items and (changes := field_changes(old_items[i], new_items[i]))
            ],
        )
    settings = [
        k for k in old_doc if k not in BUNDLE_KINDS and k not in ("questions", "golden_cases")
    ]
    settings_changes = [
        ItemChange(id=key, changes=changes)
        for key in settings
        if (changes := field_changes(old_doc[key], new_doc.get(key)))
    ]
    result["settings"] = KindDiff(changed=settings_changes)
    return result


class GoldenCaseChange(BaseModel):
    """A golden case whose result (top three causes, triage) differs between the versions."""

    id: str
    before: dict[str, Any] = Field(alias="from")
    after: dict[str, Any] = Field(alias="to")

    model_config = {"populate_by_name": True, "serialize_by_alias": True}


class ContentDiff(BaseModel):
    """What changed from one version to another: items, fields, and the ranking."""

    from_version: int = Field(alias="from")
    to_version: int = Field(alias="to")
    items: dict[str, KindDiff] = Field(
        description="Per kind (causes, tips, faqs, rules, red_flags, conditions, questions, "
        "golden_cases, settings): the ids added and removed, and field-by-field changes."
    )
    golden_case_changes: list[GoldenCaseChange] = Field(
        description="Golden cases whose result differs between the two versions."
    )
    ranking_comparable: bool = Field(
        description="False when one version does not validate, so rankings were not compared."
    )

    model_config = {"populate_by_name": True, "serialize_by_alias": True}
