"""The gate's case table: phase x duty x action kind x limits x time -> decision and code.

Every row names the job description it runs under (a shipped phase preset, or a preset with
one line changed), the action, what history the gate may see, and the moment. Each row
asserts the exact decision class and its code; for an Allow also ``notify`` and
``not_before`` (None unless quiet hours defer the action).

The client lives in America/New_York unless a row says otherwise. The shipped quiet hours are
20:00-08:00 local.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from righthand.domain.actions import Action, Initiative
from righthand.duties.registry import load
from righthand.policy.autonomy import Autonomy
from righthand.policy.duties import Phase
from righthand.policy.gate import Allow, Ask, Deny, LedgerView, decide, quiet_until
from righthand.policy.job import DutySetting, JobDescription
from righthand.policy.limits import Limits
from righthand.policy.presets import preset

TZ = "America/New_York"
NY = ZoneInfo(TZ)
CATALOG = load().catalog
R, P = Initiative.REACTIVE, Initiative.PROACTIVE

P1 = preset(Phase.I, CATALOG, TZ)
P2 = preset(Phase.II, CATALOG, TZ)
P3 = preset(Phase.III, CATALOG, TZ)

EMPTY = LedgerView()


def ny(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    """A wall-clock moment in New York, as the aware UTC instant the gate is given."""
    return datetime(year, month, day, hour, minute, tzinfo=NY).astimezone(UTC)


def utc(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    """An aware UTC instant (expected ``not_before`` values are written in UTC on purpose)."""
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


DAY = ny(2026, 11, 26, 10)  # Thursday 10:00 EST, far from quiet hours
NIGHT = ny(2026, 11, 26, 22)  # Thursday 22:00 EST = Friday 03:00 UTC
NEXT_MORNING = utc(2026, 11, 27, 13)  # Friday 08:00 EST


def act(duty: str, kind: str, initiative: Initiative = R, **payload: object) -> Action:
    """An action of ``duty``; payload keys ``recipients`` and ``amount`` are the reserved ones."""
    return Action(duty=duty, kind=kind, payload=payload, summary=f"{kind} for the table",
                  initiative=initiative)


def order(amount: str, duty: str = "supplies.order", kind: str = "supplies.purchase_order",
          initiative: Initiative = R) -> Action:
    """A purchase order for ``amount`` (a decimal string)."""
    return act(duty, kind, initiative, amount=amount, vendor="Staples")


def mail_to(*addresses: str, duty: str = "email.send", kind: str = "email.send",
            initiative: Initiative = R) -> Action:
    """An email to ``addresses``."""
    return act(duty, kind, initiative, recipients=list(addresses), subject="Hello")


def campaign(count: int | None = None, listed: int = 0) -> Action:
    """A campaign to ``listed`` spelled-out addresses and/or a declared ``recipient_count``."""
    payload: dict[str, object] = {"list": "newsletter"}
    if listed:
        payload["recipients"] = [f"reader{i}@example.com" for i in range(listed)]
    if count is not None:
        payload["recipient_count"] = count
    return Action(duty="mailings.send", kind="mailings.send_campaign", payload=payload,
                  summary="a campaign for the table")


def spent(amount: str, duty: str = "supplies.order") -> LedgerView:
    """History with ``amount`` already spent this month on ``duty``."""
    return LedgerView(month_spend={duty: Decimal(amount)})


def known(*addresses: str) -> LedgerView:
    """History in which ``addresses`` are known contacts."""
    return LedgerView(known_addresses=frozenset(addresses))


def tailored(base: JobDescription, duty: str, autonomy: Autonomy,
             initiative: Initiative = R, limits: Limits | None = None) -> JobDescription:
    """``base`` with one line replaced."""
    return base.with_setting(duty, DutySetting(autonomy, initiative, limits or Limits()))


def quiet(mode: str | None = None) -> Limits:
    """Quiet hours 20:00-08:00 with the given rule (default: defer)."""
    return Limits().with_limit("quiet_hours", "20:00-08:00", mode)


@dataclass(frozen=True)
class Case:
    """One row of the table."""

    id: str
    job: JobDescription
    action: Action
    expected: type
    code: str
    ledger: LedgerView = EMPTY
    now: datetime = DAY
    notify: bool | None = None  # required for Allow rows
    not_before: datetime | None = None
    with_catalog: bool = True
    reason_has: str = ""


def first_kind(duty: str) -> str:
    """The first action kind the duty's manifest declares."""
    return CATALOG[duty].action_kinds[0].name


# -- 1. A duty of a later phase is off in an earlier preset --------------------------------------

_LATER = [(Phase.I, P1, d) for d in (
    "appointments.confirm", "copy.write", "screening.email", "screening.calls", "email.send",
    "supplies.reorder", "calendar.manage", "sales.track", "appointments.schedule",
    "briefing.manage")] + [(Phase.II, P2, d) for d in (
    "calendar.manage", "sales.track", "appointments.schedule", "briefing.manage")]

OFF_CASES = [
    Case(f"phase-{phase.roman}/{duty}/off->deny", job,
         act(duty, first_kind(duty), CATALOG[duty].nature), Deny, "duty_off",
         reason_has=f"Phase {CATALOG[duty].phase.roman} duty")
    for phase, job, duty in _LATER
]

CASES = [
    *OFF_CASES,
    Case("phase-III/calendar.manage/switched-off-by-client->deny",
         tailored(P3, "calendar.manage", Autonomy.OFF, P),
         act("calendar.manage", "calendar.create_event", P), Deny, "duty_off"),
    Case("phase-III/duty-missing-from-job->deny",
         P3, act("acme.crm", "acme.sync"), Deny, "duty_off", with_catalog=False),
    Case("off-beats-proactive-and-unknown-kind",
         P1, act("sales.track", "no.such.kind", P), Deny, "duty_off"),

    # -- 2. Autonomy ask -> Ask ------------------------------------------------------------------
    Case("phase-I/mailings.send/ask->ask",
         P1, campaign(count=120), Ask, "autonomy_ask"),
    Case("phase-I/supplies.order/within-limits/ask->ask",
         P1, order("100"), Ask, "autonomy_ask"),
    Case("phase-II/copy.write/ask->ask",
         P2, act("copy.write", "copy.draft", brief="spring open house"), Ask, "autonomy_ask"),
    Case("phase-II/email.send/known-recipient/ask->ask",
         P2, mail_to("ann@example.com"), Ask, "autonomy_ask", ledger=known("ann@example.com")),
    Case("phase-II/supplies.reorder/proactive/ask->ask",
         P2, order("100", "supplies.reorder", "supplies.reorder_po", P), Ask, "autonomy_ask"),
    Case("phase-III/appointments.schedule/proactive/ask->ask",
         P3, mail_to("ann@example.com", duty="appointments.schedule",
                     kind="appointments.book", initiative=P),
         Ask, "autonomy_ask", ledger=known("ann@example.com")),
    Case("phase-I/supplies.order/ask/over-per-order(ask)->ask-mentions-limit",
         P1, order("200"), Ask, "autonomy_ask", reason_has="per-order limit of 150"),
    Case("phase-II/email.send/ask/unknown-recipient(ask)->ask-mentions-it",
         P2, mail_to("stranger@example.org"), Ask, "autonomy_ask",
         reason_has="stranger@example.org is not among your known contacts"),

    # -- 3. notify -> Allow(notify=True), auto -> Allow(notify=False) ----------------------------
    Case("phase-I/lists.maintain/notify->allow+notify",
         P1, act("lists.maintain", "contacts.create", name="Ann"), Allow, "allowed", notify=True),
    Case("phase-II/supplies.order/within-limits/notify->allow+notify",
         P2, order("200"), Allow, "allowed", notify=True, ledger=spent("100")),
    Case("phase-II/appointments.confirm/proactive/daytime->allow+notify",
         P2, mail_to("ann@example.com", duty="appointments.confirm",
                     kind="appointments.send_confirmation", initiative=P),
         Allow, "allowed", notify=True),
    Case("phase-II/screening.email/proactive/notify->allow+notify",
         P2, act("screening.email", "mail.file", P, message_id="<1@x>"),
         Allow, "allowed", notify=True),
    Case("phase-III/mailings.send/notify->allow+notify",
         P3, campaign(count=300), Allow, "allowed", notify=True),
    Case("phase-II/lists.maintain/auto->allow-silently",
         P2, act("lists.maintain", "contacts.update", email="a@b.c"),
         Allow, "allowed", notify=False),
    Case("phase-III/lists.maintain/proactive/auto->allow-silently",
         P3, act("lists.maintain", "lists.subscribe", P, list="newsletter"),
         Allow, "allowed", notify=False),
    Case("phase-III/briefing.manage/proactive/auto->allow-silently",
         P3, act("briefing.manage", "briefing.send", P, day="2026-11-26"),
         Allow, "allowed", notify=False),
    Case("phase-III/screening.calls/proactive/auto->allow-silently",
         P3, act("screening.calls", "calls.route", P, call="CA1", route="message"),
         Allow, "allowed", notify=False),
    Case("phase-II/appointments.confirm/reactive-request-of-proactive-duty->allow",
         P2, act("appointments.confirm", "appointments.mark_attendance", R, event="e1"),
         Allow, "allowed", notify=True),

    # -- 4. Spend per order ----------------------------------------------------------------------
    Case("phase-II/supplies.order/per-order-at-limit(250)->allow",
         P2, order("250"), Allow, "allowed", notify=True),
    Case("phase-II/supplies.order/per-order-over-limit(ask)->ask",
         P2, order("250.01"), Ask, "limit_ask", reason_has="per-order limit of 250"),
    Case("phase-III/supplies.order/per-order-over-limit(ask)->ask",
         P3, order("401"), Ask, "limit_ask"),
    Case("custom/supplies.order/per-order-over-limit(deny)->deny",
         tailored(P2, "supplies.order", Autonomy.NOTIFY,
                  limits=Limits().with_limit("spend_per_order", "200", "deny")),
         order("200.50"), Deny, "limit_deny", reason_has="per-order limit of 200"),
    Case("custom/supplies.order/per-order-at-limit(deny)->allow",
         tailored(P2, "supplies.order", Autonomy.AUTO,
                  limits=Limits().with_limit("spend_per_order", "200", "deny")),
         order("200"), Allow, "allowed", notify=False),

    # -- 5. Spend per month (presets: deny) ------------------------------------------------------
    Case("phase-II/supplies.order/month-exactly-at-limit(500+100=600)->allow",
         P2, order("100"), Allow, "allowed", notify=True, ledger=spent("500")),
    Case("phase-II/supplies.order/month-a-cent-over(500+100.01)->deny",
         P2, order("100.01"), Deny, "limit_deny", ledger=spent("500"),
         reason_has="monthly limit of 600"),
    Case("phase-I/supplies.order/ask/month-over(deny)->deny-beats-ask",
         P1, order("101"), Deny, "limit_deny", ledger=spent("300")),
    Case("phase-I/supplies.order/ask/month-at-limit->ask",
         P1, order("100"), Ask, "autonomy_ask", ledger=spent("300")),
    Case("phase-III/supplies.reorder/proactive/month-at-limit->allow",
         P3, order("100", "supplies.reorder", "supplies.reorder_po", P),
         Allow, "allowed", notify=True, ledger=spent("900", "supplies.reorder")),
    Case("phase-II/supplies.order/other-duty's-spend-does-not-count->allow",
         P2, order("100"), Allow, "allowed", notify=True,
         ledger=spent("590", "supplies.reorder")),
    Case("custom/supplies.order/month-over(ask)->ask",
         tailored(P2, "supplies.order", Autonomy.NOTIFY,
                  limits=Limits().with_limit("spend_per_month", "1000", "ask")),
         order("60"), Ask, "limit_ask", ledger=spent("950"), reason_has="1010"),
    Case("phase-II/supplies.order/order-over(ask)+month-over(deny)->deny-wins",
         P2, order("300"), Deny, "limit_deny", ledger=spent("400")),

    # -- 6. Recipients per mailing (including the reserved key recipient_count) -----------------
    Case("phase-III/mailings.send/500-listed-at-limit->allow",
         P3, campaign(listed=500), Allow, "allowed", notify=True),
    Case("phase-III/mailings.send/501-listed-over-limit->ask",
         P3, campaign(listed=501), Ask, "limit_ask", reason_has="501 recipients"),
    Case("phase-III/mailings.send/recipient_count-500-at-limit->allow",
         P3, campaign(count=500), Allow, "allowed", notify=True),
    Case("phase-III/mailings.send/recipient_count-501-over-limit->ask",
         P3, campaign(count=501), Ask, "limit_ask", reason_has="501 recipients"),
    Case("phase-III/mailings.send/recipient_count-overrides-short-list->ask",
         P3, campaign(count=501, listed=3), Ask, "limit_ask"),
    Case("custom/mailings.send/over-limit(deny)->deny",
         tailored(P3, "mailings.send", Autonomy.NOTIFY,
                  limits=Limits().with_limit("recipients_per_mailing", "100", "deny")),
         campaign(count=101), Deny, "limit_deny"),
    Case("custom/mailings.send/ask/over-limit(deny)->deny-beats-ask",
         tailored(P1, "mailings.send", Autonomy.ASK,
                  limits=Limits().with_limit("recipients_per_mailing", "100", "deny")),
         campaign(count=101), Deny, "limit_deny"),
    Case("phase-I/mailings.send/ask/over-limit(ask)->ask",
         P1, campaign(count=2001), Ask, "autonomy_ask", reason_has="2001 recipients"),

    # -- 7. Recipients: known contacts only ------------------------------------------------------
    Case("phase-III/email.send/known-recipient->allow",
         P3, mail_to("ann@example.com"), Allow, "allowed", notify=True,
         ledger=known("ann@example.com")),
    Case("phase-III/email.send/unknown-recipient->ask",
         P3, mail_to("stranger@example.org"), Ask, "limit_ask",
         ledger=known("ann@example.com"), reason_has="stranger@example.org is not"),
    Case("phase-III/email.send/known+unknown->ask",
         P3, mail_to("ann@example.com", "bob@example.org", "cy@example.org"), Ask, "limit_ask",
         ledger=known("ann@example.com"), reason_has="bob@example.org, cy@example.org are not"),
    Case("phase-III/email.send/recipient-in-upper-case->allow",
         P3, mail_to("Ann@Example.COM"), Allow, "allowed", notify=True,
         ledger=known("ann@example.com")),
    Case("phase-III/email.send/known-contact-stored-in-mixed-case->allow",
         P3, mail_to("ann@example.com"), Allow, "allowed", notify=True,
         ledger=known("Ann@Example.com")),
    Case("custom/email.send/unknown-recipient(deny)->deny",
         tailored(P3, "email.send", Autonomy.NOTIFY,
                  limits=Limits().with_limit("recipients", "known", "deny")),
         mail_to("stranger@example.org"), Deny, "limit_deny"),
    Case("custom/email.send/recipients=anyone->allow-unknown",
         tailored(P3, "email.send", Autonomy.NOTIFY), mail_to("stranger@example.org"),
         Allow, "allowed", notify=True),

    # -- 8. Quiet hours, in the client's zone ----------------------------------------------------
    Case("phase-II/appointments.confirm/22:00-defer->allow-at-08:00-next-day",
         P2, mail_to("ann@example.com", duty="appointments.confirm",
                     kind="appointments.send_confirmation", initiative=P),
         Allow, "allowed", now=NIGHT, notify=True, not_before=NEXT_MORNING),
    Case("phase-II/appointments.confirm/06:00-after-midnight->allow-at-08:00-same-day",
         P2, mail_to("ann@example.com", duty="appointments.confirm",
                     kind="appointments.send_confirmation", initiative=P),
         Allow, "allowed", now=ny(2026, 11, 27, 6), notify=True, not_before=NEXT_MORNING),
    Case("phase-III/email.send/20:00-start-is-inside->deferred",
         P3, mail_to("ann@example.com"), Allow, "allowed", ledger=known("ann@example.com"),
         now=ny(2026, 11, 26, 20), notify=True, not_before=NEXT_MORNING),
    Case("phase-III/email.send/07:59->deferred-one-minute",
         P3, mail_to("ann@example.com"), Allow, "allowed", ledger=known("ann@example.com"),
         now=ny(2026, 11, 27, 7, 59), notify=True, not_before=NEXT_MORNING),
    Case("phase-III/email.send/08:00-end-is-outside->allow-now",
         P3, mail_to("ann@example.com"), Allow, "allowed", ledger=known("ann@example.com"),
         now=ny(2026, 11, 27, 8), notify=True, not_before=None),
    Case("phase-III/email.send/DST-spring-forward->08:00-EDT",
         # Sat 7 March 2026 23:00 EST; clocks go forward at 02:00, so 08:00 is 12:00 UTC.
         P3, mail_to("ann@example.com"), Allow, "allowed", ledger=known("ann@example.com"),
         now=utc(2026, 3, 8, 4), notify=True, not_before=utc(2026, 3, 8, 12)),
    Case("phase-III/email.send/DST-fall-back->08:00-EST",
         # Sat 31 October 2026 22:00 EDT; clocks go back at 02:00, so 08:00 is 13:00 UTC.
         P3, mail_to("ann@example.com"), Allow, "allowed", ledger=known("ann@example.com"),
         now=utc(2026, 11, 1, 2), notify=True, not_before=utc(2026, 11, 1, 13)),
    Case("phase-III/email.send/DST-repeated-hour-01:30-EST->08:00-EST",
         P3, mail_to("ann@example.com"), Allow, "allowed", ledger=known("ann@example.com"),
         now=utc(2026, 11, 1, 6, 30), notify=True, not_before=utc(2026, 11, 1, 13)),
    Case("phase-II/Tokyo-client/15:00-UTC-is-midnight-there->deferred",
         preset(Phase.II, CATALOG, "Asia/Tokyo"),
         mail_to("ann@example.com", duty="appointments.confirm",
                 kind="appointments.send_confirmation", initiative=P),
         Allow, "allowed", now=utc(2026, 11, 26, 15), notify=True,
         not_before=utc(2026, 11, 26, 23)),
    Case("custom/quiet-hours(ask)->ask",
         tailored(P3, "email.send", Autonomy.NOTIFY, limits=quiet("ask")),
         mail_to("ann@example.com"), Ask, "limit_ask", now=NIGHT, reason_has="quiet hours"),
    Case("custom/quiet-hours(deny)->deny",
         tailored(P3, "email.send", Autonomy.NOTIFY, limits=quiet("deny")),
         mail_to("ann@example.com"), Deny, "quiet_hours", now=NIGHT),
    Case("custom/quiet-hours(deny)/duty-at-ask->deny-before-asking",
         tailored(P3, "email.send", Autonomy.ASK, limits=quiet("deny")),
         mail_to("ann@example.com"), Deny, "quiet_hours", now=NIGHT),
    Case("custom/quiet-hours(deny)-outside-window->allow",
         tailored(P3, "email.send", Autonomy.AUTO, limits=quiet("deny")),
         mail_to("ann@example.com"), Allow, "allowed", notify=False),
    Case("phase-I/mailings.send/ask/night(defer)->ask",
         P1, campaign(listed=3), Ask, "autonomy_ask", now=NIGHT),
    Case("phase-II/appointments.confirm/no-recipients-at-night->not-deferred",
         P2, act("appointments.confirm", "appointments.mark_attendance", P, event="e1"),
         Allow, "allowed", now=NIGHT, notify=True, not_before=None),
    Case("phase-III/calendar.manage/no-recipients-at-night->not-deferred",
         P3, act("calendar.manage", "calendar.create_event", P, title="Gym"),
         Allow, "allowed", now=NIGHT, notify=True, not_before=None),
    Case("custom/limit-deny-beats-quiet-hours-deny",
         tailored(P3, "email.send", Autonomy.NOTIFY,
                  limits=quiet("deny").with_limit("recipients", "known", "deny")),
         mail_to("stranger@example.org"), Deny, "limit_deny", now=NIGHT),

    # -- 9. Proactive action for a reactive duty -------------------------------------------------
    Case("phase-I/lists.maintain/proactive->deny",
         P1, act("lists.maintain", "contacts.create", P, name="Ann"), Deny, "not_proactive"),
    Case("phase-I/supplies.order/proactive->deny",
         P1, order("10", initiative=P), Deny, "not_proactive"),
    Case("phase-II/email.send/proactive->deny",
         P2, mail_to("ann@example.com", initiative=P), Deny, "not_proactive",
         ledger=known("ann@example.com")),
    Case("phase-III/supplies.order/still-reactive/proactive->deny",
         P3, order("10", initiative=P), Deny, "not_proactive"),
    Case("not-proactive-beats-unknown-kind",
         P1, act("lists.maintain", "no.such.kind", P), Deny, "not_proactive"),

    # -- 10. Unknown action kind for the duty (catalog given) ------------------------------------
    Case("phase-III/email.send/kind-of-another-duty->deny",
         P3, act("email.send", "mailings.send_campaign", recipients=["a@b.c"]),
         Deny, "unknown_kind"),
    Case("phase-II/lists.maintain/made-up-kind->deny",
         P2, act("lists.maintain", "contacts.delete_everything"), Deny, "unknown_kind"),
    Case("phase-II/lists.maintain/made-up-kind/no-catalog->allow",
         P2, act("lists.maintain", "contacts.delete_everything"), Allow, "allowed",
         notify=False, with_catalog=False),
    Case("phase-III/duty-in-job-but-not-in-catalog->deny",
         tailored(P3, "acme.crm", Autonomy.AUTO), act("acme.crm", "acme.sync"),
         Deny, "unknown_kind"),
    Case("unknown-kind-beats-limit-deny",
         P2, order("99999", kind="supplies.bribe"), Deny, "unknown_kind"),
]


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id) for c in CASES])
def test_gate_case(case: Case) -> None:
    decision = decide(case.action, case.job, case.ledger, case.now,
                      CATALOG if case.with_catalog else None)

    assert type(decision) is case.expected, decision
    assert decision.code == case.code, decision
    if case.reason_has:
        assert case.reason_has in decision.reason
    if isinstance(decision, Allow):
        assert case.notify is not None, "an Allow row must state the notify flag"
        assert decision.notify is case.notify
        assert decision.not_before == case.not_before
        if decision.not_before is not None:
            # Delivered in the caller's zone (UTC here), never as a local wall time.
            assert decision.not_before.utcoffset() == case.now.utcoffset()


def test_the_table_is_big_enough_and_covers_every_code() -> None:
    assert len(CASES) >= 45
    assert len({c.id for c in CASES}) == len(CASES), "case ids must be unique"
    assert {c.code for c in CASES} == {"duty_off", "not_proactive", "unknown_kind",
                                       "limit_deny", "quiet_hours", "autonomy_ask",
                                       "limit_ask", "allowed"}


def test_every_later_phase_duty_is_in_the_off_rows() -> None:
    for phase, job in ((Phase.I, P1), (Phase.II, P2)):
        later = {d for d, m in CATALOG.items() if m.phase > phase}
        listed = {c.action.duty for c in OFF_CASES if c.job is job}
        assert listed == later


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError, match="aware datetime"):
        decide(act("lists.maintain", "contacts.create"), P1, EMPTY, datetime(2026, 11, 26, 10))


def test_same_inputs_same_decision() -> None:
    action = mail_to("ann@example.com", duty="appointments.confirm",
                     kind="appointments.send_confirmation", initiative=P)
    first = decide(action, P2, EMPTY, NIGHT, CATALOG)
    assert first == decide(action, P2, EMPTY, NIGHT, CATALOG)


def test_not_before_follows_the_zone_of_now() -> None:
    # The same instant given in New York time: the deferral comes back in that zone.
    action = mail_to("ann@example.com", duty="appointments.confirm",
                     kind="appointments.send_confirmation", initiative=P)
    decision = decide(action, P2, EMPTY, NIGHT.astimezone(NY), CATALOG)
    assert isinstance(decision, Allow)
    assert decision.not_before == NEXT_MORNING
    assert decision.not_before is not None
    assert decision.not_before.tzinfo is NY
    assert (decision.not_before.hour, decision.not_before.minute) == (8, 0)


def test_quiet_until_also_holds_back_an_action_that_must_be_asked() -> None:
    # Phase I asks before every mailing; if the client approves it at night, it still waits.
    night_mailing = campaign(listed=3)
    assert isinstance(decide(night_mailing, P1, EMPTY, NIGHT, CATALOG), Ask)
    assert quiet_until(night_mailing, P1, NIGHT) == NEXT_MORNING
    assert quiet_until(night_mailing, P1, DAY) is None
    # A campaign known only by its recipient count reaches people too: it waits as well.
    assert quiet_until(campaign(count=3), P1, NIGHT) == NEXT_MORNING


def test_a_payload_the_limits_cannot_read_is_denied_not_crashed() -> None:
    from datetime import UTC, datetime

    from righthand.domain.actions import Action
    from righthand.duties.registry import load
    from righthand.policy.duties import Phase
    from righthand.policy.gate import Deny, LedgerView, decide
    from righthand.policy.presets import preset

    catalog = load().catalog
    job = preset(Phase.I, catalog, "America/New_York")
    now = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)
    for payload in ({"amount": "nan"}, {"amount": "Infinity"}, {"recipient_count": "many"}):
        action = Action("supplies.order", "supplies.purchase_order", payload, "odd")
        decision = decide(action, job, LedgerView(), now, catalog)
        assert isinstance(decision, Deny) and decision.code == "bad_payload", payload


def test_quiet_hours_hold_a_mailing_known_only_by_its_count() -> None:
    from datetime import UTC, datetime

    from righthand.domain.actions import Action
    from righthand.duties.registry import load
    from righthand.policy.duties import Phase
    from righthand.policy.gate import Allow, LedgerView, decide
    from righthand.policy.presets import preset

    catalog = load().catalog
    job = preset(Phase.III, catalog, "America/New_York")
    night = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)  # 22:00 in New York
    action = Action("mailings.send", "mailings.send_campaign", {"recipient_count": 120}, "news")
    decision = decide(action, job, LedgerView(), night, catalog)
    assert isinstance(decision, Allow)
    assert decision.not_before == datetime(2026, 11, 27, 13, 0, tzinfo=UTC)
