"""The answer builder's own shortcuts, against the plan interpreter's steps they stand in for."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.rules import answer
from app.rules.answer import sigmoid
from app.rules.versions import MAX_TIPS
from tests.rules import reference, reference_answer
from tests.rules.helpers import default_engine

ENGINE = default_engine()
PLAN = reference.plan_of(ENGINE)
CAUSE_IDS = [cause.id for cause in ENGINE.ruleset.causes]
CAUSES = len(ENGINE.ruleset.causes)
# Few distinct values, so that equal scores (and equal sums of scores) come up often; 40 and
# 50 both saturate the sigmoid to 1.0.
LOGITS = st.lists(
    st.sampled_from([-3.0, -0.5, 0.0, 0.25, 0.5, 1.0, 40.0, 50.0]),
    min_size=CAUSES,
    max_size=CAUSES,
)


def reference_tips(logits: list[float]) -> list[str]:
    by_id = dict(zip(CAUSE_IDS, logits, strict=True))
    ranked = reference.rank(PLAN, by_id)
    hidden = {tip["id"] for tip in PLAN["tips"] if "self_care" in tip["hidden_at"]}
    return [tip for tip, _ in reference_answer.rank_tips(PLAN, ranked, by_id, hidden)][:MAX_TIPS]


def builder_tips(logits: list[float]) -> list[str]:
    order = ENGINE.ruleset.rank(logits)
    builder = ENGINE.builders["en"]
    scores = [sigmoid(logits[index]) for index in order[:3]]
    hidden = builder._hidden_without_flags  # a self_care answer's: the care tip waits
    return [tip["id"] for tip in builder._tips(tuple(order[:3]), scores, hidden)]


@settings(max_examples=400, deadline=None)
@given(logits=LOGITS)
def test_tips_by_groups_rank_as_the_reference(logits: list[float]) -> None:
    assert builder_tips(logits) == reference_tips(logits)


def test_tied_groups_merge_their_tips_in_bundle_order() -> None:
    """Three saturated scores: every combination of one cause is worth 1.0."""
    logits = [40.0, 40.0, 40.0] + [0.0] * (CAUSES - 3)
    assert builder_tips(logits) == reference_tips(logits)
    assert len(builder_tips(logits)) == MAX_TIPS


def test_the_groups_of_a_trio_are_remembered_and_bounded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    builder = ENGINE.builders["en"]
    builder._tip_groups.clear()
    logits = [float(CAUSES - index) for index in range(CAUSES)]
    builder_tips(logits)
    assert list(builder._tip_groups) == [(0, 1, 2)]
    monkeypatch.setattr(answer, "MAX_TIP_GROUPS", 10)
    for trio in itertools.permutations(range(CAUSES), 3):
        builder._group_tips(trio)
        assert len(builder._tip_groups) <= 10
    assert builder_tips(logits) == reference_tips(logits)
