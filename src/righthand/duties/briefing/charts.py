"""Pictures as hand-built SVG (no plotting library): the pipeline funnel (amount per stage)
and the trust chart (acceptance rate per duty over time). Used in the briefing's HTML email
and by the web pages. Every text is escaped; the SVG is self-contained (inline styles, a
viewBox so it scales, a <title> for screen readers)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from html import escape

from righthand.duties.sales.records import DealView
from righthand.duties.sales.words import money

FONT = "font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif"
BLUES = ("#1e3a8a", "#1d4ed8", "#2563eb", "#3b82f6", "#60a5fa", "#93c5fd", "#bfdbfe")
LINES = ("#2563eb", "#16a34a", "#dc2626", "#9333ea", "#ea580c", "#0891b2", "#ca8a04",
         "#db2777", "#4b5563")


@dataclass(frozen=True)
class Bar:
    """One stage of the funnel."""

    label: str
    amount: Decimal
    count: int


def _svg(width: int, height: int, title: str, body: list[str]) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
            f'width="{width}" height="{height}" role="img" style="{FONT}">'
            f"<title>{escape(title)}</title>" + "".join(body) + "</svg>")


def funnel(bars: Sequence[Bar], currency: str = "USD",
           title: str = "Open pipeline by stage") -> str:
    """A centred funnel: one bar per stage, as wide as its amount."""
    width, row, gap, top = 600, 30, 6, 30
    label_w, value_w = 130, 150
    span = width - label_w - value_w
    height = top + len(bars) * (row + gap) + 6
    biggest = max((b.amount for b in bars), default=Decimal(0)) or Decimal(1)
    body = [f'<text x="0" y="18" font-size="14" font-weight="600" fill="#111827">'
            f"{escape(title)}</text>"]
    for index, bar in enumerate(bars):
        y = top + index * (row + gap)
        w = max(8.0, float(bar.amount / biggest) * span)
        x = label_w + (span - w) / 2
        colour = BLUES[min(index, len(BLUES) - 1)]
        body.append(f'<text x="{label_w - 8}" y="{y + 20}" font-size="12" text-anchor="end" '
                    f'fill="#374151">{escape(bar.label)}</text>')
        body.append(f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{row}" rx="4" '
                    f'fill="{colour}"/>')
        value = f"{money(bar.amount, currency)} · {bar.count}"
        body.append(f'<text x="{label_w + span + 8}" y="{y + 20}" font-size="12" '
                    f'fill="#111827">{escape(value)}</text>')
    return _svg(width, height, title, body)


def pipeline_funnel(deals: Sequence[DealView]) -> str:
    """The funnel of the open deals of the first pipeline (the default one when it has deals),
    in its stage order, in its most common currency."""
    if not deals:
        return funnel([], title="Open pipeline by stage")
    pipeline = next((d.pipeline for d in deals if d.pipeline.is_default), deals[0].pipeline)
    mine = [d for d in deals if d.pipeline.id == pipeline.id]
    currencies = [d.currency for d in mine]
    currency = max(set(currencies), key=currencies.count)
    bars = []
    for stage in pipeline.stages:
        here = [d for d in mine if d.stage.id == stage.id and d.currency == currency]
        if here:
            bars.append(Bar(stage.name, sum((d.amount or Decimal(0) for d in here), Decimal(0)),
                            len(here)))
    return funnel(bars, currency, f"{pipeline.name}: open deals by stage")


def trust_chart(weeks: Sequence[date], series: Mapping[str, Sequence[float | None]],
                title: str = "Accepted as prepared or edited, per week") -> str:
    """One line per duty: the share of its decided actions the client approved, week by
    week (gaps where nothing was decided)."""
    rows = (len(series) + 2) // 3
    width, height = 600, 204 + rows * 16
    left, right, top, bottom = 44, 30, 34, 44 + rows * 16
    plot_w, plot_h = width - left - right, height - top - bottom
    body = [f'<text x="0" y="18" font-size="14" font-weight="600" fill="#111827">'
            f"{escape(title)}</text>"]
    for pct in (0, 25, 50, 75, 100):
        y = top + plot_h * (1 - pct / 100)
        body.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" '
                    f'stroke="{"#9ca3af" if pct in (0, 100) else "#e5e7eb"}" stroke-width="1"/>')
        body.append(f'<text x="{left - 6}" y="{y + 4:.1f}" font-size="11" text-anchor="end" '
                    f'fill="#6b7280">{pct}%</text>')
    count = len(weeks)
    step = plot_w / max(1, count - 1)

    def x_of(index: int) -> float:
        return left + (index * step if count > 1 else plot_w / 2)

    for index, week in enumerate(weeks):
        if count <= 8 or index % 2 == 0 or index == count - 1:
            body.append(f'<text x="{x_of(index):.1f}" y="{top + plot_h + 16}" font-size="11" '
                        f'text-anchor="middle" fill="#6b7280">{week.day} {week:%b}</text>')
    for number, (duty, values) in enumerate(sorted(series.items())):
        colour = LINES[number % len(LINES)]
        run: list[str] = []
        for index, value in enumerate(values):
            if value is None:
                body.extend(_polyline(run, colour))
                run = []
                continue
            y = top + plot_h * (1 - max(0.0, min(1.0, value)))
            run.append(f"{x_of(index):.1f},{y:.1f}")
            body.append(f'<circle cx="{x_of(index):.1f}" cy="{y:.1f}" r="3" fill="{colour}"/>')
        body.extend(_polyline(run, colour))
        lx = left + (number % 3) * 185
        ly = top + plot_h + 34 + (number // 3) * 16
        body.append(f'<rect x="{lx}" y="{ly - 9}" width="10" height="10" fill="{colour}"/>')
        body.append(f'<text x="{lx + 14}" y="{ly}" font-size="11" fill="#374151">'
                    f"{escape(duty)}</text>")
    if not series:
        body.append(f'<text x="{left + plot_w / 2:.1f}" y="{top + plot_h / 2:.1f}" '
                    'font-size="12" text-anchor="middle" fill="#6b7280">No decisions yet'
                    "</text>")
    return _svg(width, height, title, body)


def _polyline(points: list[str], colour: str) -> list[str]:
    if len(points) < 2:
        return []
    return [f'<polyline points="{" ".join(points)}" fill="none" stroke="{colour}" '
            'stroke-width="2"/>']
