"""Trust figures from the ledger, and the advisor's promotion and demotion proposals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from righthand.domain.actions import Initiative, Outcome
from righthand.policy.advisor import Proposal, Thresholds, advise
from righthand.policy.autonomy import Autonomy
from righthand.policy.job import DutySetting, JobDescription
from righthand.policy.trust import OutcomeRecord, figures

NOW = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)
MAILINGS = "mailings.send"
TITLES = {MAILINGS: "Sending mailings", "supplies.order": "Ordering office supplies"}


def ago(days: float) -> datetime:
    """``days`` before NOW."""
    return NOW - timedelta(days=days)


def spread(outcome: Outcome, count: int, over_days: float, duty: str = MAILINGS,
           until_days_ago: float = 0.5) -> list[OutcomeRecord]:
    """``count`` records evenly from ``over_days`` ago up to ``until_days_ago`` ago."""
    if count == 1:
        return [OutcomeRecord(duty, outcome, ago(over_days))]
    step = (over_days - until_days_ago) / (count - 1)
    return [OutcomeRecord(duty, outcome, ago(over_days - i * step)) for i in range(count)]


def incident(days_ago: float, outcome: Outcome = Outcome.UNDONE,
             duty: str = MAILINGS) -> OutcomeRecord:
    """One undone or flagged action."""
    return OutcomeRecord(duty, outcome, ago(days_ago))


def job_at(autonomy: Autonomy, duty: str = MAILINGS, **others: Autonomy) -> JobDescription:
    """A job description with ``duty`` at ``autonomy`` (and any ``others``, dots as __)."""
    duties = {duty: DutySetting(autonomy, Initiative.REACTIVE)}
    duties.update({k.replace("__", "."): DutySetting(v) for k, v in others.items()})
    return JobDescription(timezone="America/New_York", duties=duties)


def only(proposals: list[Proposal]) -> Proposal:
    """The single proposal."""
    assert len(proposals) == 1, proposals
    return proposals[0]


# -- trust figures --------------------------------------------------------------------------------

MIXED = [
    *spread(Outcome.EXECUTED, 5, 30),
    *spread(Outcome.APPROVED_UNCHANGED, 6, 30),
    *spread(Outcome.APPROVED_WITH_EDITS, 2, 20),
    *spread(Outcome.REJECTED, 2, 10),
    incident(12, Outcome.UNDONE),
    incident(3, Outcome.FLAGGED),
    OutcomeRecord(MAILINGS, Outcome.FAILED, ago(40)),
    OutcomeRecord(MAILINGS, Outcome.EXPIRED, ago(2)),
    # Another duty's records must not leak into these figures.
    *spread(Outcome.APPROVED_UNCHANGED, 50, 90, duty="supplies.order"),
    incident(1, duty="supplies.order"),
]


def test_figures_count_each_outcome() -> None:
    fig = figures(MAILINGS, MIXED)
    assert (fig.executed, fig.approved_unchanged, fig.approved_with_edits, fig.rejected,
            fig.incidents, fig.failed) == (5, 6, 2, 2, 2, 1)
    # Volume counts every action that was not an incident: 5+6+2+2 + failed + expired.
    assert fig.volume == 17
    assert fig.decided == 10
    assert fig.first_at == ago(40)
    assert fig.last_incident_at == ago(3)
    assert fig.days_since_incident(NOW) == pytest.approx(3.0)


def test_rates_compute_as_documented() -> None:
    fig = figures(MAILINGS, MIXED)
    # acceptance: approved (with or without edits) / decided = 8 / 10
    assert fig.acceptance_rate == pytest.approx(0.8)
    # unchanged: approved unchanged / decided = 6 / 10
    assert fig.unchanged_rate == pytest.approx(0.6)
    # edit: approved with edits / approved = 2 / 8
    assert fig.edit_rate == pytest.approx(0.25)


def test_rates_are_none_when_nothing_was_decided() -> None:
    fig = figures(MAILINGS, spread(Outcome.EXECUTED, 10, 5))
    assert fig.decided == 0
    assert (fig.acceptance_rate, fig.unchanged_rate, fig.edit_rate) == (None, None, None)
    assert fig.days_since_incident(NOW) is None
    assert fig.volume == 10


def test_edit_rate_is_none_when_everything_was_rejected() -> None:
    fig = figures(MAILINGS, spread(Outcome.REJECTED, 4, 5))
    assert fig.acceptance_rate == 0.0
    assert fig.unchanged_rate == 0.0
    assert fig.edit_rate is None


def test_figures_of_a_duty_without_records() -> None:
    fig = figures("copy.write", MIXED)
    assert fig.volume == fig.incidents == 0
    assert fig.first_at is None and fig.last_incident_at is None


def test_last_incident_is_the_latest_whatever_the_record_order() -> None:
    records = [incident(2), incident(20), incident(9, Outcome.FLAGGED)]
    assert figures(MAILINGS, reversed(records)).last_incident_at == ago(2)


# -- promotion ask -> notify ----------------------------------------------------------------------

def test_forty_unchanged_over_three_weeks_proposes_notify() -> None:
    records = spread(Outcome.APPROVED_UNCHANGED, 40, over_days=23)
    proposal = only(advise(job_at(Autonomy.ASK), records, NOW, TITLES))
    assert (proposal.duty, proposal.current, proposal.proposed) == (
        MAILINGS, Autonomy.ASK, Autonomy.NOTIFY)
    assert proposal.is_promotion
    assert "40" in proposal.evidence
    assert "3 weeks" in proposal.evidence
    assert "100% unchanged" in proposal.evidence
    assert "sending mailings" in proposal.question


def test_thirty_nine_is_not_enough() -> None:
    records = spread(Outcome.APPROVED_UNCHANGED, 39, over_days=40)
    assert advise(job_at(Autonomy.ASK), records, NOW) == []


@pytest.mark.parametrize(("span", "promoted"), [(20, False), (20.9, False), (21, True)],
                         ids=["20-days", "20.9-days", "21-days"])
def test_the_record_must_span_three_weeks(span: float, promoted: bool) -> None:
    records = spread(Outcome.APPROVED_UNCHANGED, 40, over_days=span)
    assert bool(advise(job_at(Autonomy.ASK), records, NOW)) is promoted


@pytest.mark.parametrize("kind", [Outcome.UNDONE, Outcome.FLAGGED])
@pytest.mark.parametrize(("days_ago", "promoted"), [(5, False), (29, False), (31, True)],
                         ids=["5-days-ago", "29-days-ago", "31-days-ago"])
def test_a_recent_incident_blocks_promotion(kind: Outcome, days_ago: float,
                                            promoted: bool) -> None:
    records = [*spread(Outcome.APPROVED_UNCHANGED, 40, over_days=60), incident(days_ago, kind)]
    proposals = advise(job_at(Autonomy.ASK), records, NOW)
    assert [p.proposed for p in proposals] == ([Autonomy.NOTIFY] if promoted else [])


@pytest.mark.parametrize(("edited", "promoted"), [(2, True), (3, False)],
                         ids=["40-of-42-unchanged", "40-of-43-unchanged"])
def test_the_unchanged_rate_must_reach_95_percent(edited: int, promoted: bool) -> None:
    records = [*spread(Outcome.APPROVED_UNCHANGED, 40, over_days=30),
               *spread(Outcome.APPROVED_WITH_EDITS, edited, over_days=30)]
    assert bool(advise(job_at(Autonomy.ASK), records, NOW)) is promoted


def test_another_duty_record_does_not_promote_this_one() -> None:
    records = spread(Outcome.APPROVED_UNCHANGED, 40, over_days=30, duty="supplies.order")
    assert advise(job_at(Autonomy.ASK), records, NOW) == []


# -- promotion notify -> auto ---------------------------------------------------------------------

def test_enough_volume_over_six_weeks_proposes_auto() -> None:
    records = spread(Outcome.EXECUTED, 60, over_days=43)
    proposal = only(advise(job_at(Autonomy.NOTIFY), records, NOW, TITLES))
    assert (proposal.current, proposal.proposed) == (Autonomy.NOTIFY, Autonomy.AUTO)
    assert proposal.is_promotion
    assert proposal.evidence.startswith("60 sending mailings actions over 43 days")


@pytest.mark.parametrize(("count", "span"), [(59, 60), (60, 41)],
                         ids=["59-actions", "41-days"])
def test_not_enough_for_auto(count: int, span: float) -> None:
    records = spread(Outcome.EXECUTED, count, over_days=span)
    assert advise(job_at(Autonomy.NOTIFY), records, NOW) == []


@pytest.mark.parametrize(("days_ago", "promoted"), [(30, False), (59, False), (61, True)])
def test_an_incident_in_sixty_days_blocks_auto(days_ago: float, promoted: bool) -> None:
    records = [*spread(Outcome.EXECUTED, 60, over_days=90), incident(days_ago)]
    proposals = advise(job_at(Autonomy.NOTIFY), records, NOW)
    assert [p.proposed for p in proposals] == ([Autonomy.AUTO] if promoted else [])


def test_auto_is_the_top_of_the_ladder() -> None:
    records = spread(Outcome.EXECUTED, 500, over_days=200)
    assert advise(job_at(Autonomy.AUTO), records, NOW) == []


# -- demotion -------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", [Outcome.UNDONE, Outcome.FLAGGED])
def test_auto_with_an_incident_in_two_weeks_is_demoted_to_notify(kind: Outcome) -> None:
    records = [*spread(Outcome.EXECUTED, 100, over_days=90), incident(5, kind)]
    proposal = only(advise(job_at(Autonomy.AUTO), records, NOW, TITLES))
    assert (proposal.current, proposal.proposed) == (Autonomy.AUTO, Autonomy.NOTIFY)
    assert not proposal.is_promotion
    assert proposal.evidence.startswith("1 incident(s) in the last 14 days")


def test_auto_with_an_older_incident_is_left_alone() -> None:
    records = [*spread(Outcome.EXECUTED, 100, over_days=90), incident(15)]
    assert advise(job_at(Autonomy.AUTO), records, NOW) == []


def test_notify_with_two_incidents_is_demoted_to_ask() -> None:
    records = [*spread(Outcome.EXECUTED, 100, over_days=90), incident(2),
               incident(10, Outcome.FLAGGED)]
    proposal = only(advise(job_at(Autonomy.NOTIFY), records, NOW))
    assert (proposal.current, proposal.proposed) == (Autonomy.NOTIFY, Autonomy.ASK)
    assert "2 incidents in the last 14 days" in proposal.evidence


def test_notify_with_one_incident_is_neither_demoted_nor_promoted() -> None:
    records = [*spread(Outcome.EXECUTED, 100, over_days=90), incident(2)]
    assert advise(job_at(Autonomy.NOTIFY), records, NOW) == []


def test_ask_is_never_demoted_by_the_advisor() -> None:
    records = [incident(1), incident(2), incident(3)]
    assert advise(job_at(Autonomy.ASK), records, NOW) == []


# -- configurable thresholds ----------------------------------------------------------------------

def test_lower_promotion_thresholds_promote_sooner() -> None:
    records = spread(Outcome.APPROVED_UNCHANGED, 12, over_days=8)
    assert advise(job_at(Autonomy.ASK), records, NOW) == []
    eager = Thresholds(promote_min_unchanged=10, promote_min_days=7)
    proposal = only(advise(job_at(Autonomy.ASK), records, NOW, thresholds=eager))
    assert proposal.proposed is Autonomy.NOTIFY
    assert proposal.evidence.startswith("12 mailings.send actions approved unchanged over 1")


def test_a_stricter_unchanged_rate_blocks_promotion() -> None:
    records = [*spread(Outcome.APPROVED_UNCHANGED, 40, over_days=30),
               *spread(Outcome.APPROVED_WITH_EDITS, 1, over_days=30)]
    assert advise(job_at(Autonomy.ASK), records, NOW)
    strict = Thresholds(promote_min_unchanged_rate=1.0)
    assert advise(job_at(Autonomy.ASK), records, NOW, thresholds=strict) == []


def test_a_wider_demotion_window_catches_an_older_incident() -> None:
    records = [*spread(Outcome.EXECUTED, 100, over_days=90), incident(20)]
    assert advise(job_at(Autonomy.AUTO), records, NOW) == []
    wide = Thresholds(demote_window_days=30)
    proposal = only(advise(job_at(Autonomy.AUTO), records, NOW, thresholds=wide))
    assert proposal.proposed is Autonomy.NOTIFY
    assert "in the last 30 days" in proposal.evidence


def test_one_incident_can_be_enough_to_demote_notify() -> None:
    records = [*spread(Outcome.EXECUTED, 10, over_days=30), incident(3)]
    strict = Thresholds(demote_notify_incidents=1)
    assert only(advise(job_at(Autonomy.NOTIFY), records, NOW,
                       thresholds=strict)).proposed is Autonomy.ASK


def test_auto_thresholds_are_configurable() -> None:
    records = spread(Outcome.EXECUTED, 20, over_days=15)
    assert advise(job_at(Autonomy.NOTIFY), records, NOW) == []
    eager = Thresholds(auto_min_volume=20, auto_min_days=14)
    assert only(advise(job_at(Autonomy.NOTIFY), records, NOW,
                       thresholds=eager)).proposed is Autonomy.AUTO


# -- which duties are considered ------------------------------------------------------------------

def test_off_duties_get_no_proposals() -> None:
    records = [*spread(Outcome.APPROVED_UNCHANGED, 40, over_days=30),
               *spread(Outcome.EXECUTED, 100, over_days=60, duty="supplies.order"),
               incident(1, duty="supplies.order")]
    job = job_at(Autonomy.OFF, supplies__order=Autonomy.OFF)
    assert advise(job, records, NOW) == []


def test_duties_outside_the_job_description_get_no_proposals() -> None:
    records = spread(Outcome.APPROVED_UNCHANGED, 40, over_days=30, duty="copy.write")
    assert advise(job_at(Autonomy.ASK), records, NOW) == []


def test_each_enabled_duty_is_advised_on_its_own_record() -> None:
    records = [*spread(Outcome.APPROVED_UNCHANGED, 40, over_days=30),
               *spread(Outcome.EXECUTED, 100, over_days=60, duty="supplies.order"),
               incident(1, duty="supplies.order")]
    job = job_at(Autonomy.ASK, supplies__order=Autonomy.AUTO)
    proposals = advise(job, records, NOW, TITLES)
    assert [(p.duty, p.current, p.proposed) for p in proposals] == [
        (MAILINGS, Autonomy.ASK, Autonomy.NOTIFY),
        ("supplies.order", Autonomy.AUTO, Autonomy.NOTIFY),
    ]


def test_advice_never_changes_the_job_description() -> None:
    job = job_at(Autonomy.ASK)
    before = dict(job.duties)
    assert advise(job, spread(Outcome.APPROVED_UNCHANGED, 40, over_days=30), NOW)
    assert dict(job.duties) == before
    assert job.setting(MAILINGS).autonomy is Autonomy.ASK
