"""Feedback on answers and the outcomes of a version; the id-signing key; shown-count flushes."""

from __future__ import annotations

import ipaddress
import json
import logging
import os
from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy.engine import Engine
from sqlmodel import Session

from app.content import repository as content_repository
from app.content.models import VersionStatus
from app.core.errors import FieldError
from app.outcomes import repository
from app.outcomes.counter import ShownKey, expand
from app.outcomes.errors import InvalidFeedback, UnknownAssessment, UnknownVersion
from app.outcomes.models import OutcomeFeedback
from app.outcomes.schemas import (
    OUTCOMES,
    FeedbackAccepted,
    FeedbackRequest,
    HelpfulCounts,
    ItemOutcomes,
    ItemSideBySide,
    OutcomeRate,
    OutcomeRates,
    OutcomesReport,
    OutcomesSideBySide,
    SourceRates,
    TipOutcomes,
)
from app.outcomes.stats import wilson_interval
from app.outcomes.token import InvalidToken, Signer, content_digest, derive_key, item_order
from app.rules.bundle import Bundle

logger = logging.getLogger("app.outcomes")

# --- the signing key -----------------------------------------------------------------------


def signing_key(session: Session, secret: str | None) -> bytes:
    """The key of ASSESSMENT_ID_SECRET, else the deployment's stored key (made on first use,
    once: concurrent first starts keep whichever was stored first)."""
    if secret:
        return derive_key(secret)
    stored = repository.id_key(session)
    if stored is None:
        stored = repository.keep_first_id_key(session, os.urandom(32))
    return stored


# --- what feedback needs of a version ---------------------------------------------------------

_ORDERS: dict[tuple[int, str], tuple[tuple[str, ...], tuple[str, ...]]] = {}


def _checksum(session: Session, version: int) -> str | None:
    """The checksum of a version that has served answers, or None (unknown, a draft)."""
    found = content_repository.version_status_and_checksum(session, version)
    if found is None or found[0] == VersionStatus.draft:
        return None
    return found[1]


def _order(
    session: Session, version: int, checksum: str | None = None
) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """The causes and tips of a version that has served answers, or None (unknown, a draft).
    The bundle is read once per version and checksum, not on every feedback."""
    if checksum is None:
        checksum = _checksum(session, version)
        if checksum is None:
            return None
    key = (version, checksum)
    order = _ORDERS.get(key)
    if order is None:
        row = content_repository.get_version(session, version)
        if row is None:
            return None
        order = _ORDERS[key] = item_order(Bundle.model_validate_json(row.bundle_json))
    return order


# --- who sent it ----------------------------------------------------------------------------

# IPv6 hosts are usually given a whole /64 and often a /56 or /48 (a free tunnel broker hands
# out /48s), so an address counts as its /48: one network, one source.
IPV6_SOURCE_PREFIX = 48


def feedback_source(key_name: str | None, client_id: str | None, address: str) -> str:
    """Who a feedback counts as, for the automatic abort: a verified API key together with the
    end user it names in X-Client-ID (a key is trusted to name its users), else the client's
    network; an anonymous caller's X-Client-ID is ignored, since anyone can make one up."""
    if key_name is not None:
        return f"key {key_name} {client_id or ''}"
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return f"address {address}"
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if isinstance(ip, ipaddress.IPv6Address):
        network = ipaddress.IPv6Network((ip, IPV6_SOURCE_PREFIX), strict=False)
        return f"network {network}"
    return f"address {ip}"


def _count_source(session: Session, version: int, source: str, outcome: str) -> None:
    """Make `outcome` the source's latest on `version` and keep the version's tally in step:
    a constant number of keyed statements, whatever the feedback stored."""
    previous = repository.source_outcome(session, version, source)
    if previous is None:
        if repository.add_source(session, version, source, outcome):
            repository.add_to_tally(session, version, 1, {outcome: 1})
            return
        previous = repository.source_outcome(session, version, source)  # a concurrent first
        assert previous is not None
    if previous != outcome:
        repository.change_source(session, version, source, outcome)
        repository.add_to_tally(session, version, 0, {previous: -1, outcome: 1})


# --- feedback -------------------------------------------------------------------------------


def record_feedback(
    session: Session,
    signer: Signer,
    assessment_id: str,
    feedback: FeedbackRequest,
    source: str,
) -> FeedbackAccepted:
    """Store feedback attributed to what the answer showed; a repeat replaces the earlier.
    `source` (see `feedback_source`) is counted once per version toward the automatic abort."""
    checksums: dict[int, str] = {}

    def digest_of(version: int) -> bytes | None:
        checksum = _checksum(session, version)
        if checksum is None:
            return None
        checksums[version] = checksum
        return content_digest(checksum)

    try:
        issued = signer.verify(assessment_id, digest_of)
    except InvalidToken:
        raise UnknownAssessment() from None
    order = _order(session, issued.version, checksums[issued.version])
    if order is None:
        raise UnknownAssessment()
    cause_ids, tip_ids = order
    if any(i >= len(cause_ids) for i in issued.causes) or any(
        i >= len(tip_ids) for i in issued.tips
    ):
        raise UnknownAssessment()
    causes = [cause_ids[i] for i in issued.causes]
    tips = [tip_ids[i] for i in issued.tips]
    shown = set(tips)
    errors = [
        FieldError(loc=f"tips_followed.{n}", message=f"The answer did not show the tip {tip!r}.")
        for n, tip in enumerate(feedback.tips_followed)
        if tip not in shown
    ]
    if errors:
        raise InvalidFeedback("tips_followed names tips the answer did not show.", errors=errors)
    # Keyed on the id's one spelling, so no other spelling can count the answer again.
    canonical_id = issued.canonical_id
    replaced = repository.feedback_exists(session, canonical_id)
    repository.upsert_feedback(
        session,
        {
            "assessment_id": canonical_id,
            "version": issued.version,
            "outcome": feedback.outcome.value,
            "helpful": feedback.helpful,
            "causes_json": json.dumps(causes),
            "tips_json": json.dumps(tips),
            "tips_followed_json": json.dumps(list(dict.fromkeys(feedback.tips_followed))),
            "issued_at": datetime.fromtimestamp(issued.issued_minute * 60, UTC),
            "updated_at": datetime.now(UTC),
        },
    )
    _count_source(session, issued.version, signer.pseudonym(source), feedback.outcome.value)
    return FeedbackAccepted(
        assessment_id=canonical_id,
        content_version=issued.version,
        outcome=feedback.outcome,
        replaced=replaced,
    )


# --- the report -----------------------------------------------------------------------------


def outcome_rate(count: int, feedback_count: int) -> OutcomeRate:
    """`count` of `feedback_count` as a rate with its Wilson 95 % interval; without feedback
    the rate is null and the interval all of [0, 1] (nothing is known yet)."""
    low, high = wilson_interval(count, feedback_count)
    return OutcomeRate(
        count=count,
        rate=count / feedback_count if feedback_count else None,
        ci_low=low,
        ci_high=high,
    )


class _Tally:
    __slots__ = ("counts", "helpful_no", "helpful_yes", "total")

    def __init__(self) -> None:
        self.counts = dict.fromkeys(OUTCOMES, 0)
        self.total = self.helpful_yes = self.helpful_no = 0

    def add(self, row: OutcomeFeedback) -> None:
        self.total += 1
        for outcome in self.counts:
            if outcome.value == row.outcome:
                self.counts[outcome] += 1
        if row.helpful is True:
            self.helpful_yes += 1
        elif row.helpful is False:
            self.helpful_no += 1

    def rates(self) -> dict[str, object]:
        return {
            "feedback_count": self.total,
            "outcomes": {o: outcome_rate(n, self.total) for o, n in self.counts.items()},
            "helpful": HelpfulCounts(yes=self.helpful_yes, no=self.helpful_no),
        }


def version_outcomes(session: Session, version: int) -> OutcomesReport:
    """Per cause and per tip of `version`: shown, feedback and each outcome's rate."""
    order = _order(session, version)
    if order is None:
        if content_repository.version_status_and_checksum(session, version) is None:
            raise UnknownVersion(version)
        order = ((), ())  # a draft: it has served no answers
    cause_ids, tip_ids = order
    shown = {
        (row.kind, row.item_id): row.shown for row in repository.shown_counts(session, version)
    }
    overall = _Tally()
    per_cause = {cause: _Tally() for cause in cause_ids}
    per_tip = {tip: _Tally() for tip in tip_ids}
    followed = dict.fromkeys(tip_ids, 0)
    for row in repository.feedback_of(session, version):
        overall.add(row)
        for cause in json.loads(row.causes_json):
            if cause in per_cause:
                per_cause[cause].add(row)
        for tip in json.loads(row.tips_json):
            if tip in per_tip:
                per_tip[tip].add(row)
        for tip in json.loads(row.tips_followed_json):
            if tip in followed:
                followed[tip] += 1
    return OutcomesReport(
        content_version=version,
        overall=OutcomeRates.model_validate(overall.rates()),
        causes=[
            ItemOutcomes.model_validate(
                {"id": c, "shown": shown.get(("cause", c), 0), **per_cause[c].rates()}
            )
            for c in cause_ids
        ],
        tips=[
            TipOutcomes.model_validate(
                {
                    "id": t,
                    "shown": shown.get(("tip", t), 0),
                    "tips_followed": followed[t],
                    **per_tip[t].rates(),
                }
            )
            for t in tip_ids
        ],
    )


def version_rates(session: Session, version: int) -> OutcomeRates:
    """Every outcome's count, rate and interval over all feedback on `version`'s answers,
    with the feedback count: what a rollout compares between canary and current version
    (the `worse` entry is the worse rate)."""
    tally = _Tally()
    for row in repository.feedback_of(session, version):
        tally.add(row)
    return OutcomeRates.model_validate(tally.rates())


def source_rates(session: Session, version: int) -> SourceRates:
    """The version's feedback as the automatic abort counts it (one row, kept by feedback)."""
    tally = repository.source_tally(session, version)
    sources = tally["sources"]
    return SourceRates(
        sources=sources,
        outcomes={o: outcome_rate(tally[o.value], sources) for o in OUTCOMES},
    )


def side_by_side(session: Session, from_version: int, to_version: int) -> OutcomesSideBySide:
    """The two versions' outcome rates, overall and per cause and tip (a diff's companion)."""
    before = version_outcomes(session, from_version)
    after = version_outcomes(session, to_version)

    def pair(old: list[ItemOutcomes], new: list[ItemOutcomes]) -> list[ItemSideBySide]:
        # Only items with something to compare: a row of zeros per cause and tip made a
        # diff of two fresh versions tens of kilobytes of nothing.
        old_by_id = {item.id: item for item in old if _has_data(item)}
        new_by_id = {item.id: item for item in new if _has_data(item)}
        ids = dict.fromkeys([*old_by_id, *new_by_id])
        return [
            ItemSideBySide(
                id=i,
                before=old_by_id.get(i) or _no_data(i, old),
                after=new_by_id.get(i) or _no_data(i, new),
            )
            for i in ids
        ]

    return OutcomesSideBySide(
        before=before.overall,
        after=after.overall,
        causes=pair(before.causes, after.causes),
        tips=pair(list(before.tips), list(after.tips)),
    )


def _has_data(item: ItemOutcomes) -> bool:
    return item.shown > 0 or item.feedback_count > 0


def _no_data(item_id: str, items: list[ItemOutcomes]) -> ItemOutcomes | None:
    """The version's (empty) row of an item the other version has data for; None when this
    version does not have the item at all."""
    return next((item for item in items if item.id == item_id), None)


# --- flushing shown counts ------------------------------------------------------------------


def shown_rows(session: Session, taken: dict[ShownKey, int]) -> Iterable[tuple[int, str, str, int]]:
    for version, (per_cause, per_tip) in expand(taken).items():
        order = _order(session, version)
        if order is None:
            logger.warning("dropping shown counts of unknown version %s", version)
            continue
        cause_ids, tip_ids = order
        for index, n in per_cause.items():
            if index < len(cause_ids):
                yield version, "cause", cause_ids[index], n
        for index, n in per_tip.items():
            if index < len(tip_ids):
                yield version, "tip", tip_ids[index], n


def flush_shown(engine: Engine, taken: dict[ShownKey, int]) -> None:
    """Add counts taken from a process's counter to the database in one transaction (the
    caller gives them back to the counter if this raises)."""
    if not taken:
        return
    with Session(engine) as session:
        repository.add_shown(session, list(shown_rows(session, taken)))
        session.commit()
