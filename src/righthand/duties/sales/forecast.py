"""'How's my pipeline?' -- totals per stage, the weighted forecast for this month and quarter,
and the stalled deals. Pure: deals and today are passed in.

The forecast weighs each open deal's amount by its probability (the deal's own, or its stage's
default) and counts it in the period of its expected close date, as Odoo and Pipedrive do;
deals won in the period count in full. Amounts in different currencies are never added up.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from zoneinfo import ZoneInfo

from righthand.duties.sales.pipelines import Pipeline, Stage
from righthand.duties.sales.records import DealView
from righthand.duties.sales.words import join_and, money, plural


@dataclass(frozen=True)
class StageTotal:
    """Open deals in one stage."""

    stage: Stage
    count: int
    amount: Decimal
    weighted: Decimal


@dataclass(frozen=True)
class Stalled:
    """An open deal past its stage's stall threshold."""

    deal: DealView
    days: int
    limit: int


@dataclass
class Summary:
    """One pipeline's figures in one currency."""

    pipeline: Pipeline
    currency: str
    stages: list[StageTotal] = field(default_factory=list)
    open_count: int = 0
    open_amount: Decimal = Decimal(0)
    weighted: Decimal = Decimal(0)
    month_weighted: Decimal = Decimal(0)
    quarter_weighted: Decimal = Decimal(0)
    month_won: Decimal = Decimal(0)
    quarter_won: Decimal = Decimal(0)
    undated: list[DealView] = field(default_factory=list)
    stalled: list[Stalled] = field(default_factory=list)


def quarter_bounds(today: date) -> tuple[date, date]:
    """First and last day of today's calendar quarter."""
    first_month = (today.month - 1) // 3 * 3 + 1
    start = date(today.year, first_month, 1)
    end_month = first_month + 2
    after = date(today.year + (end_month == 12), end_month % 12 + 1, 1)
    return start, date.fromordinal(after.toordinal() - 1)


def quarter_label(today: date) -> str:
    """'Q4'."""
    return f"Q{(today.month - 1) // 3 + 1}"


def summarize(open_deals: Sequence[DealView], won_deals: Sequence[DealView],
              today: date, zone: str = "UTC") -> list[Summary]:
    """Figures per pipeline and currency (pipelines with nothing open or won are left out)."""
    q_start, q_end = quarter_bounds(today)
    summaries: dict[tuple[int, str], Summary] = {}

    def summary(deal: DealView) -> Summary:
        key = (deal.pipeline.id, deal.currency)
        if key not in summaries:
            summaries[key] = Summary(pipeline=deal.pipeline, currency=deal.currency)
        return summaries[key]

    per_stage: dict[tuple[int, str, int], list[DealView]] = {}
    for deal in open_deals:
        entry = summary(deal)
        amount = deal.amount or Decimal(0)
        entry.open_count += 1
        entry.open_amount += amount
        entry.weighted += deal.weighted
        per_stage.setdefault((deal.pipeline.id, deal.currency, deal.stage.id), []).append(deal)
        close = deal.expected_close
        if close is None:
            entry.undated.append(deal)
        else:
            # A deal whose close date passed still counts now: it has not closed yet.
            when = max(close, today)
            if when.year == today.year and when.month == today.month:
                entry.month_weighted += deal.weighted
            if q_start <= when <= q_end:
                entry.quarter_weighted += deal.weighted
        days = deal.days_in_stage(today)
        limit = deal.stage.stalled_after_days
        if days is not None and limit is not None and days > limit:
            entry.stalled.append(Stalled(deal, days, limit))
    for deal in won_deals:
        if deal.closed_at is None:
            continue
        entry = summary(deal)
        closed = deal.closed_at.astimezone(ZoneInfo(zone)).date()
        amount = deal.amount or Decimal(0)
        if closed.year == today.year and closed.month == today.month:
            entry.month_won += amount
        if q_start <= closed <= q_end:
            entry.quarter_won += amount
    for (pipeline_id, currency), entry in summaries.items():
        for stage in entry.pipeline.stages:
            deals = per_stage.get((pipeline_id, currency, stage.id), [])
            if deals:
                entry.stages.append(StageTotal(
                    stage, len(deals), sum((d.amount or Decimal(0) for d in deals), Decimal(0)),
                    sum((d.weighted for d in deals), Decimal(0))))
        entry.stalled.sort(key=lambda s: -(s.days - s.limit))
    return sorted(summaries.values(), key=lambda s: (not s.pipeline.is_default, s.pipeline.id,
                                                     s.currency))


def describe(summaries: Sequence[Summary], today: date) -> str:
    """The answer to "How's my pipeline?"."""
    if not summaries:
        return ("Your pipeline is empty: no open deals. Import some with `righthand deals "
                "import FILE` (HubSpot and Pipedrive exports work), or add one with `righthand "
                "deals add`.")
    parts = []
    several = len(summaries) > 1
    for entry in summaries:
        cur = entry.currency
        head = f"{entry.pipeline.name}: " if several else "Your pipeline: "
        lines = [f"{head}{plural(entry.open_count, 'open deal')} worth "
                 f"{money(entry.open_amount, cur)} — {money(entry.weighted, cur)} weighted."]
        for total in entry.stages:
            lines.append(f"- {total.stage.name}: {plural(total.count, 'deal')}, "
                         f"{money(total.amount, cur)}")
        month = f"{today:%B}"
        forecast = (f"Forecast (weighted, by expected close): {month} "
                    f"{money(entry.month_weighted, cur)}, {quarter_label(today)} "
                    f"{money(entry.quarter_weighted, cur)}.")
        if entry.month_won or entry.quarter_won:
            forecast += (f" Won so far: {money(entry.month_won, cur)} this month, "
                         f"{money(entry.quarter_won, cur)} this quarter.")
        lines.append(forecast)
        if entry.undated:
            names = join_and([d.title for d in entry.undated[:3]])
            lines.append(f"No expected close date on {names} — "
                         f"{'it is' if len(entry.undated) == 1 else 'they are'} left out of "
                         "the forecast.")
        if entry.stalled:
            stalled = [f"{s.deal.title} ({s.days} days at {s.deal.stage.name}, stalled after "
                       f"{s.limit}{'; no next step' if not s.deal.next_step else ''})"
                       for s in entry.stalled]
            lines.append("Stalled: " + join_and(stalled) + ".")
        else:
            lines.append("Nothing is stalled.")
        parts.append("\n".join(lines))
    return "\n\n".join(parts)
