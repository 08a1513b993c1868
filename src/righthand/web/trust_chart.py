"""The Trust page's charts, drawn on the server as SVG (no JavaScript).

Per duty: the share of the client's decisions that approved the action exactly as prepared,
week by week, against the rate at which the advisor proposes asking less; and the outcome
counts per week (the volume behind each rate). Both come from one grouped query
(:func:`righthand.web.queries.weekly_outcomes`), and the rate is the advisor's own: the counts
of a week are folded by :func:`righthand.policy.trust.figures` and read through
``TrustFigures.decided`` and ``TrustFigures.unchanged_rate``, so "approved unchanged",
"edited" and "rejected" are defined in one place only.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from itertools import chain, repeat

from righthand.domain.actions import Outcome
from righthand.policy.advisor import Thresholds
from righthand.policy.trust import OutcomeRecord, TrustFigures, figures
from righthand.web.queries import CHART_GROUPS, WeekBar, WeeklyOutcomes

# A week with fewer decisions than this is a gap in the line, not a point: one rejection out
# of one is not "0% this week". The advisor itself judges the whole record (at least
# ``Thresholds.promote_min_unchanged`` actions), which no single week of a small office reaches,
# so the chart needs a floor of its own; it is stated under the chart.
MIN_WEEKLY_DECIDED = 3

# Geometry, in viewBox units; the SVG scales to its box (width 100%), so it fits 390 px.
WIDTH, HEIGHT = 360, 160
LEFT, RIGHT, TOP, BOTTOM = 36, WIDTH - 10, 24, HEIGHT - 24


@dataclass(frozen=True)
class RatePoint:
    """One week of one duty: its decisions, and the point drawn for it (or a gap)."""

    start: date
    decided: int
    unchanged: int
    rate: float | None  # approved unchanged / decided; None when nothing was decided
    charted: bool  # False: too few decisions, drawn as a gap
    x: float
    y: float | None


@dataclass(frozen=True)
class RateChart:
    """One duty's weekly "approved unchanged" line, ready for the template."""

    duty: str
    title: str
    points: list[RatePoint]
    segments: list[str]  # polyline "x,y x,y" strings; a gap ends a segment
    threshold: float
    threshold_y: float
    min_decided: int
    grid: list[tuple[str, float]]  # (label, y)
    ticks: list[tuple[str, float]]  # (label, x)
    summary: str
    advisor: str
    overall: TrustFigures

    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right: int = RIGHT
    top: int = TOP
    bottom: int = BOTTOM


def week_figures(duty: str, start: date, counts: Counter[Outcome]) -> TrustFigures:
    """A week's counts folded into the advisor's figures (one record per outcome, repeated)."""
    at = datetime.combine(start, datetime.min.time(), UTC)
    records: Iterable[OutcomeRecord] = chain.from_iterable(
        repeat(OutcomeRecord(duty, outcome, at), n) for outcome, n in counts.items())
    return figures(duty, records)


def _y(rate: float) -> float:
    return round(BOTTOM - rate * (BOTTOM - TOP), 1)


def _x(index: int, count: int) -> float:
    return round(LEFT + index * (RIGHT - LEFT) / max(count - 1, 1), 1)


def _pct(rate: float) -> str:
    return f"{rate:.0%}"


def rate_chart(duty: str, title: str, starts: list[date], weeks: list[Counter[Outcome]],
               overall: TrustFigures, thresholds: Thresholds,
               min_decided: int = MIN_WEEKLY_DECIDED) -> RateChart:
    """The weekly "approved unchanged" chart of one duty."""
    floor = max(min_decided, 1)
    points = []
    for index, (start, counts) in enumerate(zip(starts, weeks, strict=True)):
        fig = week_figures(duty, start, counts)
        rate = fig.unchanged_rate
        charted = rate is not None and fig.decided >= floor
        points.append(RatePoint(start, fig.decided, fig.approved_unchanged, rate, charted,
                                _x(index, len(starts)),
                                _y(rate) if charted and rate is not None else None))
    segments: list[str] = []
    run: list[str] = []
    for point in points:
        if point.y is None:
            if len(run) > 1:
                segments.append(" ".join(run))
            run = []
        else:
            run.append(f"{point.x},{point.y}")
    if len(run) > 1:
        segments.append(" ".join(run))
    shown = [p for p in points if p.charted and p.rate is not None]
    if shown:
        summary = (f"Approved unchanged, week by week: "
                   f"{' → '.join(_pct(p.rate) for p in shown if p.rate is not None)} "
                   f"({len(shown)} of the last {len(points)} weeks had {floor} or more "
                   f"decisions; the others are gaps).")
    else:
        summary = (f"No week of the last {len(points)} had {floor} or more decisions to "
                   "chart.")
    limits = thresholds
    advisor = (f"The advisor proposes at {_pct(limits.promote_min_unchanged_rate)} with at "
               f"least {limits.promote_min_unchanged} approved unchanged.")
    if overall.unchanged_rate is not None:
        advisor = (f"So far: {_pct(overall.unchanged_rate)} of {overall.decided} decided, "
                   f"{overall.approved_unchanged} approved unchanged. {advisor}")
    ticks = [(starts[i].strftime("%d %b"), _x(i, len(starts)))
             for i in sorted({0, len(starts) // 2, len(starts) - 1})]
    return RateChart(duty=duty, title=title, points=points, segments=segments,
                     threshold=limits.promote_min_unchanged_rate,
                     threshold_y=_y(limits.promote_min_unchanged_rate), min_decided=floor,
                     grid=[(_pct(r), _y(r)) for r in (0.0, 0.5, 1.0)], ticks=ticks,
                     summary=summary, advisor=advisor, overall=overall)


def advisor_rule(thresholds: Thresholds) -> str:
    """When the advisor proposes that a duty ask less, in words (from its thresholds)."""
    return (f"The advisor proposes asking you less once a duty's whole record is at least "
            f"{_pct(thresholds.promote_min_unchanged_rate)} approved unchanged, with at least "
            f"{thresholds.promote_min_unchanged} actions approved unchanged across "
            f"{thresholds.promote_min_days} days and no incident in "
            f"{thresholds.promote_quiet_days} days.")


def week_bars(starts: list[date], weeks: list[Counter[Outcome]]) -> list[WeekBar]:
    """The same weeks as outcome counts by chart group (the counts chart's bars)."""
    group_of = {o: g for g, members in CHART_GROUPS.items() for o in members}
    bars = []
    for start, counts in zip(starts, weeks, strict=True):
        grouped: Counter[str] = Counter()
        for outcome, n in counts.items():
            grouped[group_of.get(outcome, "unchanged")] += n
        bars.append(WeekBar(start, dict(grouped)))
    return bars


@dataclass(frozen=True)
class TrustCharts:
    """Both charts for every duty shown on the page."""

    rates: list[RateChart]
    bars: dict[str, list[WeekBar]]
    peak: int
    rule: str


def build(weekly: WeeklyOutcomes, shown: list[TrustFigures], titles: dict[str, str],
          thresholds: Thresholds, min_decided: int = MIN_WEEKLY_DECIDED) -> TrustCharts:
    """Charts for the duties in ``shown`` (in its order) from the page's one grouped query."""
    empty = [Counter[Outcome]() for _ in weekly.starts]
    rates, bars = [], {}
    for fig in shown:
        weeks = weekly.counts.get(fig.duty, empty)
        rates.append(rate_chart(fig.duty, titles.get(fig.duty, fig.duty), weekly.starts, weeks,
                                fig, thresholds, min_decided))
        if fig.duty in weekly.counts:
            bars[fig.duty] = week_bars(weekly.starts, weeks)
    peak = max((bar.total for week in bars.values() for bar in week), default=0)
    return TrustCharts(rates, bars, max(peak, 1), advisor_rule(thresholds))
