"""Reading and writing bundles as files (the bundled default content, import and export)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from app.rules.bundle import Bundle

DEFAULT_CONTENT_DIR = Path(__file__).resolve().parents[2] / "content" / "default"


class BundleFileError(ValueError):
    """A bundle file or folder that cannot be read as a valid bundle; the message says where."""


def _parse_yaml(text: str) -> Any:
    """`yaml.safe_load`, through libyaml when PyYAML was built with it (much faster on the
    default content, which every first start parses). Imported here, not at module
    level: a start on a database that already holds content never reads YAML."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        return yaml.load(text, Loader=loader)
    except yaml.YAMLError as exc:
        raise ValueError(str(exc)) from exc


def _read_document(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
        data = json.loads(text) if path.suffix == ".json" else _parse_yaml(text)
    except (OSError, ValueError) as exc:
        raise BundleFileError(f"{path}: cannot be parsed: {exc}") from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise BundleFileError(f"{path}: the top level must be a mapping of bundle keys")
    return data


def read_bundle_data(path: Path) -> dict[str, Any]:
    """Read one bundle file, or merge a folder of YAML/JSON files that each hold some of its keys.

    Splitting the default content over several files keeps each one reviewable; a key may
    appear in one file only so that nothing is silently overridden.
    """
    if not path.exists():
        raise BundleFileError(f"{path}: no such file or folder")
    if path.is_file():
        return _read_document(path)
    merged: dict[str, Any] = {}
    origin: dict[str, Path] = {}
    files = sorted(p for p in path.iterdir() if p.suffix in {".yaml", ".yml", ".json"})
    if not files:
        raise BundleFileError(f"{path}: holds no .yaml or .json files")
    for file in files:
        for key, value in _read_document(file).items():
            if key in merged:
                raise BundleFileError(f"{file}: key {key!r} is already defined in {origin[key]}")
            merged[key] = value
            origin[key] = file
    return merged


def load_bundle(path: Path = DEFAULT_CONTENT_DIR) -> Bundle:
    """Load and schema-validate a bundle from a file or folder, with every problem listed."""
    data = read_bundle_data(path)
    try:
        return Bundle.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '(root)'}: {err['msg']}"
            for err in exc.errors()
        )
        raise BundleFileError(f"{path}: invalid bundle: {problems}") from exc


def write_bundle(bundle: Bundle, path: Path) -> None:
    """Write a bundle as one file: JSON for a .json path, YAML otherwise."""
    data = bundle.model_dump(mode="json")
    if path.suffix == ".json":
        path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    else:
        import yaml

        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")
