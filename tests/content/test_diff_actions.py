"""The content diff shows a tip's changed actions and changed counterfactual texts."""

from __future__ import annotations

import copy

from app.content.diff import diff_items
from app.rules.bundle import Bundle
from tests.rules.helpers import default_bundle


def test_a_changed_action_shows_in_the_diff() -> None:
    before = default_bundle()
    data = copy.deepcopy(before.model_dump(mode="json"))
    tip = next(t for t in data["tips"] if t["id"] == "hydrate_before_during_after")
    tip["actions"][1]["amount"]["max"] = 700
    data["counterfactual_texts"]["unlikely"]["en"] = "{change} would have ruled out {cause}."
    diff = diff_items(before, Bundle.model_validate(data))
    (changed,) = diff["tips"].changed
    assert changed.id == "hydrate_before_during_after"
    (change,) = changed.changes
    assert change.path == "actions"
    assert change.before[1]["amount"]["max"] == 800 and change.after[1]["amount"]["max"] == 700
    (setting,) = diff["settings"].changed
    assert setting.id == "counterfactual_texts"
    assert [c.path for c in setting.changes] == ["unlikely.en"]


def test_conditions_are_diffed_item_by_item() -> None:
    before = default_bundle()
    data = copy.deepcopy(before.model_dump(mode="json"))
    hypothermia = next(c for c in data["conditions"] if c["id"] == "hypothermia")
    hypothermia["disposition"] = "emergency_department"
    data["conditions"] = [c for c in data["conditions"] if c["id"] != "seizure"]
    data["symptom_synonyms"]["en"]["wobbly_chest"] = "chest_tightness"
    diff = diff_items(before, Bundle.model_validate(data))
    assert diff["conditions"].removed == ["seizure"]
    (changed,) = diff["conditions"].changed
    assert changed.id == "hypothermia"
    assert [(c.path, c.before, c.after) for c in changed.changes] == [
        ("disposition", "call_emergency_number", "emergency_department")
    ]
    (setting,) = diff["settings"].changed
    assert setting.id == "symptom_synonyms"
