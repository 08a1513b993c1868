"""The pure parts of sales.track and briefing.manage: dates in words, the manager's
phrasings, deal linking, the forecast, deal risks, reading CRM exports, signals in mail,
promises in sent mail, and the SVG pictures."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal
from xml.etree import ElementTree

import pytest

from righthand.conversation.manager_patterns import understand
from righthand.conversation.patterns import PatternUnderstander
from righthand.domain.when import find_when
from righthand.duties.briefing import charts
from righthand.duties.briefing.promises import detect_promises, personal
from righthand.duties.sales import forecast, health, import_read, reading
from righthand.duties.sales.linking import link_deal
from righthand.duties.sales.pipelines import Pipeline, Stage, find_stage
from righthand.duties.sales.records import DealView, Party
from righthand.duties.sales.templates import RESIDENTIAL, matching_template

THURSDAY = date(2026, 11, 26)
PIPE = Pipeline(1, "residential", "Residential real estate", True, tuple(
    Stage(i + 1, s.key, s.name, i, s.probability, s.stalled_after_days, s.outcome)
    for i, s in enumerate(RESIDENTIAL.stages)))


def deal(number: int, title: str, stage: str, amount: int | None = None, *,
         people: tuple[tuple[str, str, str], ...] = (), since: int = 3,
         close: int | None = None, step: str | None = "Call", due: int | None = 2,
         status: str = "open", currency: str = "USD") -> DealView:
    found = PIPE.stage(stage)
    assert found is not None
    return DealView(
        id=number, title=title, pipeline=PIPE, stage=found, status=status,
        amount=Decimal(amount) if amount is not None else None, currency=currency,
        probability=found.probability, stage_since=THURSDAY.fromordinal(
            THURSDAY.toordinal() - since), expected_close=THURSDAY.fromordinal(
            THURSDAY.toordinal() + close) if close is not None else None,
        next_step=step, next_step_due=THURSDAY.fromordinal(THURSDAY.toordinal() + due)
        if due is not None else None, company=None, owner=None, lost_reason=None,
        closed_at=None, external_id=None,
        parties=tuple(Party(i, f"{g} {f}", g, f, r) for i, (g, f, r) in enumerate(people)))


JONES = deal(1, "Jones closing: 22 Birch Lane", "inspection", 615000,
             people=(("Alice", "Jones", "buyer"), ("Bob", "Miller", "inspector")), since=9,
             close=18)
MILLER = deal(2, "Miller referral", "lead", 275000, since=2)
NGUYEN = deal(3, "Nguyen purchase", "offer", 350000, since=21, close=45, step=None)


@pytest.mark.parametrize(("text", "day", "at", "rest"), [
    ("call Bob on Friday", date(2026, 11, 27), None, "call Bob"),
    ("send it tomorrow at 3pm", date(2026, 11, 27), time(15), "send it"),
    ("by the 15th", date(2026, 12, 15), None, ""),
    ("next week", date(2026, 11, 30), None, ""),
    ("on Thursday", date(2026, 12, 3), None, ""),  # today's weekday means next week's
    ("in two days", date(2026, 11, 28), None, ""),
    ("on December 3 at 10:30", date(2026, 12, 3), time(10, 30), ""),
    ("end of the week", date(2026, 11, 27), None, ""),
])
def test_dates_in_words(text, day, at, rest):
    found = find_when(text, THURSDAY)
    assert found is not None and (found.day, found.time) == (day, at)
    assert found.strip_from(text) == rest


def test_no_date_where_there_is_none():
    assert find_when("I sat in the sun with Bob", THURSDAY) is None


@pytest.mark.parametrize(("text", "intent", "slots"), [
    ("Where are we on the Jones closing?", "sales.deal_status", {"deal": "the Jones closing"}),
    ("What's happening with the Joneses?", "sales.deal_status", {"deal": "the Joneses"}),
    ("How's my pipeline?", "sales.pipeline", {}),
    ("The Jones inspection is done, move them to closing", "sales.update",
     {"op": "move", "deal": "The Jones inspection", "stage": "closing"}),
    ("Mark Miller as lost, they went with another agent", "sales.update",
     {"op": "lost", "deal": "Miller", "reason": "they went with another agent"}),
    ("The Jones appraisal is complete", "sales.update",
     {"op": "advance", "deal": "The Jones appraisal"}),
    ("Remind me to call Bob on Friday", "reminders.set",
     {"text": "call Bob", "date": "2026-11-27"}),
    ("Brief me", "briefing.today", {"weekly": False}),
    ("How did the week go?", "briefing.today", {"weekly": True}),
])
def test_the_managers_phrasings(text, intent, slots):
    found = understand(text, THURSDAY)
    assert found is not None and found.intent == intent
    assert {k: v for k, v in found.slots.items() if k in slots} == slots


def test_others_phrasings_are_left_alone():
    now = datetime(2026, 11, 26, 15, tzinfo=UTC)
    engine = PatternUnderstander()
    for text, intent in [("What's on my calendar today, Jane?", "calendar.agenda"),
                         ("Add Sue Park, sue@example.com, to the newsletter list",
                          "lists.subscribe"), ("My lunch is over", "out_of_scope")]:
        assert engine.understand(text, now, "America/New_York").intent == intent, text


@pytest.mark.parametrize(("phrase", "expected"), [
    ("the Joneses", 1), ("the Jones closing", 1), ("Jones's house", 1), ("Birch Lane", 1),
    ("Jonse", 1), ("Miller", 2), ("the Nguyen purchase", 3), ("Smith", None),
    ("the closing", None),
])
def test_fuzzy_deal_linking(phrase, expected):
    found = link_deal(phrase, [JONES, MILLER, NGUYEN], ["Inspection", "Closing"])
    assert (found.deal.id if found.deal else None) == expected


def test_two_equally_good_deals_are_not_guessed_between():
    other = deal(4, "Jones listing: 5 Elm Court", "showing", 300000)
    found = link_deal("the Jones deal", [JONES, other])
    assert found.deal is None and found.ambiguous


def test_stage_names_people_use():
    assert find_stage(PIPE, "contract").key == "under_contract"
    assert find_stage(PIPE, "Escrow").key == "under_contract"
    assert find_stage(PIPE, "closng").key == "closing"
    assert find_stage(PIPE, "won").key == "closed"
    assert find_stage(PIPE, "banana") is None


def test_the_forecast():
    won = deal(5, "Brown sale", "closed", 530000, status="won")
    won = DealView(**{**won.__dict__, "closed_at": datetime(2026, 11, 14, 17, tzinfo=UTC)})
    [summary] = forecast.summarize([JONES, MILLER, NGUYEN], [won], THURSDAY, "America/New_York")
    assert summary.open_amount == 1240000
    assert summary.weighted == Decimal("615000") * Decimal("0.65") + Decimal("13750") + \
        Decimal("87500")
    assert summary.month_weighted == 0
    assert summary.quarter_weighted == Decimal("399750")  # Jones closes in December
    assert summary.month_won == summary.quarter_won == 530000
    assert [s.deal.id for s in summary.stalled] == [3]
    assert forecast.quarter_bounds(THURSDAY) == (date(2026, 10, 1), date(2026, 12, 31))
    text = forecast.describe([summary], THURSDAY)
    assert "Stalled: Nguyen purchase (21 days at Offer, stalled after 7; no next step)." in text


def test_deal_risks():
    late = health.Awaited("Dev Patel", "Loan?", date(2026, 11, 22), date(2026, 11, 25))
    kinds = [r.kind for r in health.assess(JONES, THURSDAY, [late])]
    assert kinds == ["reply_overdue", "nearly_stalled"]
    kinds = [r.kind for r in health.assess(NGUYEN, THURSDAY, [], date(2026, 11, 1))]
    assert kinds == ["stalled", "no_next_step", "quiet"]
    passed = deal(6, "Late", "closing", 1, close=-3, due=-1)
    assert {"close_passed", "next_step_overdue"} <= {r.kind for r in health.assess(
        passed, THURSDAY)}


@pytest.mark.parametrize(("text", "value", "currency"), [
    ("$615,000", Decimal("615000"), "USD"), ("615.000,00 EUR", Decimal("615000.00"), "EUR"),
    ("1 250,50", Decimal("1250.50"), None), ("1,250.5", Decimal("1250.5"), None),
    ("£90", Decimal("90"), "GBP"),
])
def test_crm_amounts(text, value, currency):
    assert import_read.parse_amount(text) == (value, currency)


def test_crm_dates_and_headers():
    assert import_read.parse_date("12/14/2026") == date(2026, 12, 14)
    assert import_read.parse_date("14/12/2026", dayfirst=True) == date(2026, 12, 14)
    assert import_read.parse_date("Dec 14, 2026") == date(2026, 12, 14)
    assert import_read.day_first(["01/02/2026", "25/12/2026"])
    with pytest.raises(import_read.RowProblem):
        import_read.parse_date("soon")
    assert import_read.detect_format(["Deal - Title", "Deal - Value"]) == "pipedrive"
    assert import_read.detect_format(["Record ID", "Deal Name", "Deal Stage"]) == "hubspot"
    assert import_read.plan(["Deal - Title", "Deal - Value", "Deal - Weighted value"]) == \
        ["title", "amount", ""]
    assert matching_template(["Qualified To Buy", "Closed Won"]).key == "sales_pipeline"


def test_signals_in_mail_are_plain_statements_only():
    assert [s.target for s, _ in reading.signals_in("The loan is approved!")] == ["closing"]
    assert reading.signals_in("We hope the loan is approved by Friday.") == []
    assert reading.signals_in("It has been conditionally approved.") == []
    assert [s.target for s, _ in reading.signals_in(
        "Inspection is complete. Appraisal came in at 620k.")] == ["appraisal", "financing"]


def test_promises_in_sent_mail():
    sent = datetime(2026, 11, 26, 20, tzinfo=UTC)  # Thursday afternoon in New York
    found = detect_promises("Thanks Bob. I'll send you the proposal tomorrow. I won't be in on "
                            "Monday. See you then!\n\n> I'll pay on Friday", sent,
                            "America/New_York")
    assert [(p.action, p.due.date(), p.explicit) for p in found] == \
        [("send you the proposal", date(2026, 11, 27), True)]
    vague = detect_promises("I'll keep you posted.", sent, "America/New_York")
    assert vague[0].due.date() == date(2026, 11, 27) and not vague[0].explicit
    weekend = detect_promises("I'll check the numbers.", datetime(2026, 11, 27, 20, tzinfo=UTC),
                              "America/New_York")
    assert weekend[0].due.date() == date(2026, 11, 30)  # the next working day
    assert personal("send you your keys", "Bob Chen") == "Send Bob Chen Bob Chen's keys"
    assert detect_promises("Shall I send it over?", sent, "UTC") == []


def test_the_pictures_are_well_formed_svg():
    svg = charts.pipeline_funnel([JONES, MILLER, NGUYEN])
    root = ElementTree.fromstring(svg)
    assert root.tag.endswith("svg") and "Inspection" in svg and "$615,000 · 1" in svg
    assert svg.index(">Lead<") < svg.index(">Offer<") < svg.index(">Inspection<")
    weeks = [date(2026, 11, 2), date(2026, 11, 9), date(2026, 11, 16), date(2026, 11, 23)]
    chart = charts.trust_chart(weeks, {"Ordering <supplies>": [1.0, None, 0.5, 0.75]})
    ElementTree.fromstring(chart)
    assert "Ordering &lt;supplies&gt;" in chart and chart.count("<polyline") == 1  # a gap
    assert "No decisions yet" in charts.trust_chart(weeks, {})
