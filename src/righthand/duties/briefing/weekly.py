"""The weekly review: what the assistant did, duty by duty, with the ledger's figures; what
slipped; how the pipeline moved; and the advisor's promotion and demotion proposals (advice
only -- the client decides with `righthand trust accept`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from righthand.domain.actions import Outcome
from righthand.duties.briefing import charts
from righthand.duties.briefing.compose import Briefing, greeting
from righthand.duties.briefing.sections import Context, Section
from righthand.duties.sales import records
from righthand.duties.sales.words import day_phrase, join_and, lower_first, money, plural
from righthand.policy.advisor import Proposal
from righthand.policy.trust import OutcomeRecord, figures
from righthand.store.tables import (
    ActionRow,
    Approval,
    ContactRow,
    DealActivityRow,
    DealRow,
    OutcomeRow,
    ReminderRow,
)

WEEKS_SHOWN = 8


def outcome_records(ctx: Context, since: datetime) -> list[OutcomeRecord]:
    """The ledger's outcomes since ``since``, oldest first."""
    return [OutcomeRecord(duty, Outcome(outcome), at) for duty, outcome, at in
            ctx.session.execute(select(OutcomeRow.duty, OutcomeRow.outcome, OutcomeRow.at)
                                .where(OutcomeRow.at >= since).order_by(OutcomeRow.at))]


def _start_of(day: date, zone: str) -> datetime:
    return datetime.combine(day, time(0), ZoneInfo(zone))


def _did(ctx: Context, week: list[OutcomeRecord], history: list[OutcomeRecord]) -> Section:
    lines = []
    for duty, manifest in sorted(ctx.catalog.items(), key=lambda i: i[1].phase):
        if not ctx.job.setting(duty).enabled:
            continue
        fig = figures(duty, week)
        if not fig.volume and not fig.incidents:
            continue
        parts = [f"{n} {what}" for n, what in (
            (fig.executed, "done within its limits"),
            (fig.approved_unchanged, "approved as prepared"),
            (fig.approved_with_edits, "approved with your edits"),
            (fig.rejected, "rejected"), (fig.failed, "failed"),
            (fig.incidents, "undone or flagged by you")) if n]
        line = f"{manifest.title}: {join_and(parts)}"
        overall = figures(duty, history).acceptance_rate
        if fig.acceptance_rate is not None:
            line += f" — {fig.acceptance_rate:.0%} accepted this week"
            if overall is not None:
                line += f" ({overall:.0%} over {WEEKS_SHOWN} weeks)"
        lines.append(line + ".")
    return Section("did", "What I did", lines or ["Nothing this week."],
                   svg=_trust_svg(ctx, history))


def _trust_svg(ctx: Context, history: list[OutcomeRecord]) -> str:
    monday = ctx.today - timedelta(days=ctx.today.weekday())
    weeks = [monday - timedelta(weeks=n) for n in range(WEEKS_SHOWN - 1, -1, -1)]
    series: dict[str, list[float | None]] = {}
    for duty, manifest in ctx.catalog.items():
        own = [r for r in history if r.duty == duty]
        values: list[float | None] = []
        for start in weeks:
            begin, end = _start_of(start, ctx.zone), _start_of(start + timedelta(days=7),
                                                              ctx.zone)
            values.append(figures(duty, [r for r in own if begin <= r.at < end])
                          .acceptance_rate)
        if any(v is not None for v in values):
            series[manifest.title] = values
    return charts.trust_chart(weeks, series)


def _slipped(ctx: Context, since: datetime) -> Section | None:
    lines = []
    start_today = _start_of(ctx.today, ctx.zone)
    for row, name in ctx.session.execute(
            select(ReminderRow, ContactRow.display_name)
            .outerjoin(ContactRow, ContactRow.id == ReminderRow.contact_id)
            .where(ReminderRow.status == "open", ReminderRow.due_at < start_today)
            .order_by(ReminderRow.due_at)):
        due = row.due_at.astimezone(ZoneInfo(ctx.zone)).date()
        if row.kind == "awaiting_reply":
            lines.append(f"No reply yet from {name or 'them'} to “{row.text}” (expected "
                         f"{day_phrase(due, ctx.today)})")
        else:
            lines.append(f"{row.text[:1].upper()}{row.text[1:]} (due "
                         f"{day_phrase(due, ctx.today)})")
    if ctx.may_read("sales.track", frozenset({"deals"})):
        for deal in records.load(ctx.session):
            if deal.next_step and deal.next_step_due and deal.next_step_due < ctx.today:
                lines.append(f"{deal.title}: the next step was due "
                             f"{day_phrase(deal.next_step_due, ctx.today)}")
            if deal.expected_close and deal.expected_close < ctx.today:
                lines.append(f"{deal.title}: the expected close date has passed")
    for summary in ctx.session.scalars(select(ActionRow.summary).where(
            ActionRow.state == "failed", ActionRow.updated_at >= since)):
        lines.append(f"Failed: {summary}")
    expired = ctx.session.scalar(select(Approval.id).where(
        Approval.status == "expired", Approval.decided_at >= since).limit(1))
    if expired is not None:
        count = len(ctx.session.scalars(select(Approval.id).where(
            Approval.status == "expired", Approval.decided_at >= since)).all())
        lines.append(f"{plural(count, 'approval')} expired unanswered")
    if not lines:
        return None
    return Section("slipped", "What slipped", lines[:8] + (
        [f"…and {len(lines) - 8} more."] if len(lines) > 8 else []))


def _pipeline(ctx: Context, since: datetime) -> Section | None:
    if not ctx.may_read("sales.track", frozenset({"deals"})):
        return None
    lines = []
    moves = ctx.session.execute(
        select(DealActivityRow, DealRow.title)
        .join(DealRow, DealRow.id == DealActivityRow.deal_id)
        .where(DealActivityRow.kind == "stage_change", DealActivityRow.at >= since,
               DealActivityRow.unlinked_at.is_(None))
        .order_by(DealActivityRow.at)).all()
    for entry, title in moves:
        on = entry.at.astimezone(ZoneInfo(ctx.zone)).date()
        moved = entry.summary.removeprefix("Moved from ").replace(" to ", " → ", 1)
        lines.append(f"{title}: {moved} ({day_phrase(on, ctx.today)})")
    closed = ctx.session.scalars(select(DealRow).where(DealRow.closed_at >= since,
                                                       DealRow.status.in_(("won", "lost"))))
    for deal in closed:
        amount = f", {money(deal.amount, deal.currency)}" if deal.amount else ""
        why = f" ({lower_first(deal.lost_reason.rstrip('.'))})" \
            if deal.status == "lost" and deal.lost_reason else ""
        lines.append(f"{deal.title}: {deal.status}{amount}{why}")
    new = ctx.session.scalars(select(DealRow.title).where(DealRow.created_at >= since)).all()
    if new:
        lines.append(f"New: {join_and(list(new[:5]))}")
    open_deals = records.load(ctx.session)
    if open_deals:
        currency = open_deals[0].currency
        same = [d for d in open_deals if d.currency == currency]
        total = sum((d.amount or 0 for d in same), 0)
        weighted = sum((d.weighted for d in same), 0)
        lines.append(f"Open now: {plural(len(open_deals), 'deal')}, {money(total, currency)} "
                     f"({money(weighted, currency)} weighted)")
    if not moves:
        lines.insert(0, "No deal changed stage this week.")
    return Section("pipeline", "Pipeline movement", lines,
                   svg=charts.pipeline_funnel(open_deals) if open_deals else None)


def _advice(proposals: Sequence[Proposal]) -> Section | None:
    if not proposals:
        return None
    return Section("advice", "My suggestions", [
        f"{p.question} {p.evidence} (`righthand trust accept {p.duty}`)" for p in proposals])


def weekly(ctx: Context, proposals: Sequence[Proposal]) -> Briefing:
    """The week in review, ending today."""
    since = _start_of(ctx.today - timedelta(days=6), ctx.zone)
    history = outcome_records(ctx, _start_of(
        ctx.today - timedelta(days=ctx.today.weekday(), weeks=WEEKS_SHOWN - 1), ctx.zone))
    week = [r for r in history if r.at >= since]
    sections = [_did(ctx, week, history)]
    sections += [s for s in (_slipped(ctx, since), _pipeline(ctx, since), _advice(proposals))
                 if s is not None]
    first = ctx.today - timedelta(days=6)
    dash = "\u2013"
    span = (f"{first.day}{dash}{ctx.today.day} {ctx.today:%B}" if first.month == ctx.today.month
            else f"{first.day} {first:%B} {dash} {ctx.today.day} {ctx.today:%B}")
    return Briefing(subject=f"Your week in review, {span}",
                    greeting=greeting(ctx.workspace, ctx.now).split(". Here")[0]
                    + f". Here's how your week went, {span}.",
                    sections=sections, signature=f"— {ctx.workspace.assistant_name}",
                    kind="weekly")
