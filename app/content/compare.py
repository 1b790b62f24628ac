"""The diff of two stored versions: their items field by field (`diff.diff_items`) and the
golden cases whose results differ between them."""

from __future__ import annotations

from sqlmodel import Session

from app.content.cache import build_loaded
from app.content.diff import ContentDiff, GoldenCaseChange, diff_items
from app.content.validation import check_bundle
from app.content.versions import existing
from app.rules.bundle import Bundle
from app.rules.golden import run_golden_case


def diff_versions(session: Session, from_version: int, to_version: int) -> ContentDiff:
    """Items added, removed and changed, and the golden cases whose results differ."""
    rows = {number: existing(session, number) for number in (from_version, to_version)}
    before = Bundle.model_validate_json(rows[from_version].bundle_json)
    after = Bundle.model_validate_json(rows[to_version].bundle_json)
    comparable = not check_bundle(before) and not check_bundle(after)
    ranking: list[GoldenCaseChange] = []
    if comparable:
        old = build_loaded(before, from_version, rows[from_version].checksum)
        new = build_loaded(after, to_version, rows[to_version].checksum)
        cases = {c.id: c for c in [*before.golden_cases, *after.golden_cases]}
        for case_id, case in cases.items():
            got_before = dict(run_golden_case(old.engine, case).got)
            got_after = dict(run_golden_case(new.engine, case).got)
            if got_before != got_after:
                ranking.append(GoldenCaseChange(id=case_id, before=got_before, after=got_after))
    return ContentDiff(
        from_version=from_version,
        to_version=to_version,
        items=diff_items(before, after),
        golden_case_changes=ranking,
        ranking_comparable=comparable,
    )
