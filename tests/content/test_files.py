"""The bundle loader, the default content, and moving bundles between files and the store."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.content.files import BundleFileError, load_bundle, write_bundle
from app.content.validation import check_bundle
from app.rules.bundle import Bundle


def test_default_content_is_valid_and_complete() -> None:
    bundle = load_bundle()
    assert check_bundle(bundle) == []
    assert len(bundle.causes) == 13
    assert len(bundle.tips) >= 8 and len(bundle.faqs) >= 6
    assert bundle.red_flags and bundle.disclaimer["en"]


def test_loader_refuses_a_malformed_bundle_with_a_clear_message(tmp_path: Path) -> None:
    data = load_bundle().model_dump(mode="json")
    data["tips"][0]["addresses"] = "dehydration"  # not a list
    del data["causes"][1]["text"]
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(data))
    with pytest.raises(BundleFileError) as excinfo:
        load_bundle(path)
    message = str(excinfo.value)
    assert "tips.0.addresses" in message and "causes.1.text" in message


def test_loader_reports_unparseable_files_and_duplicate_keys(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("causes: [unclosed\n")
    with pytest.raises(BundleFileError, match="cannot be parsed"):
        load_bundle(tmp_path)
    (tmp_path / "a.yaml").write_text("disclaimer: {en: one}\n")
    (tmp_path / "b.yaml").write_text("disclaimer: {en: two}\n")
    with pytest.raises(BundleFileError, match="already defined"):
        load_bundle(tmp_path)
    with pytest.raises(BundleFileError, match="no such file"):
        load_bundle(tmp_path / "missing")


def test_write_and_read_back(tmp_path: Path) -> None:
    bundle = load_bundle()
    for name in ("bundle.json", "bundle.yaml"):
        write_bundle(bundle, tmp_path / name)
        assert load_bundle(tmp_path / name) == bundle


def test_validation_lists_every_reference_problem() -> None:
    data = load_bundle().model_dump(mode="json")
    data["tips"][0]["addresses"].append("not_a_cause")
    data["rules"] = [r for r in data["rules"] if r["cause"] != "dehydration"]
    data["locales"] = [*data["locales"], "fr"]
    problems = check_bundle(Bundle.model_validate(data))
    paths = {p.path for p in problems}
    assert any(p.startswith("tips.0.addresses") for p in paths)
    assert any("dehydration" in p.message and "rule" in p.message for p in problems)
    assert any(p.path.endswith(".fr") for p in problems)


def test_libyaml_and_pure_python_loaders_read_the_default_content_alike() -> None:
    """Start-up parses with libyaml when PyYAML has it; the result must not depend on that."""
    import yaml

    from app.content.files import DEFAULT_CONTENT_DIR, read_bundle_data

    pure: dict[str, object] = {}
    for path in sorted(DEFAULT_CONTENT_DIR.glob("*.yaml")):
        pure.update(yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader))
    assert read_bundle_data(DEFAULT_CONTENT_DIR) == pure
