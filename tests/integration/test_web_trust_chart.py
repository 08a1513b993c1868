"""The Trust page's weekly "approved unchanged" chart: the rate per local week from real
decisions, gaps where too few were decided, the advisor's threshold as a dashed line, the
figures in accessible text, and one grouped query however many duties and weeks there are."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event

from righthand.bootstrap import App, build
from righthand.domain.actions import Action
from righthand.policy.duties import Phase
from righthand.service import approvals, executor, ledger, workspaces
from righthand.store.tables import Workspace
from righthand.web import queries, trust_chart
from tests.conftest import make_settings, new_workspace
from tests.support.clock import FakeClock
from tests.support.web import add_user, client, login, unique

HOSTILE = '<script>alert("rh-xss")</script>{{7*7}}'
NY = ZoneInfo("America/New_York")
# The clock's "now" is Thursday 26 Nov 2026 (New York); the chart's last week starts Monday
# 23 Nov, so its twelve weeks start on these Mondays (index 7 is the week of 26 Oct).
NOW = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)


def _local(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=NY).astimezone(UTC)


# (when, how): "ok" approved unchanged, "edit" approved with edits, "no" rejected.
HISTORY = [
    # week of 26 Oct: 2 of 4 (one edited, one rejected). The last decision is at 23:30 on
    # Sunday 1 Nov in New York -- already Monday 04:30 UTC, the day daylight saving time
    # ended: it still belongs to the week of 26 Oct.
    (_local(10, 27, 10), "ok"), (_local(10, 28, 10), "edit"), (_local(10, 29, 10), "no"),
    (_local(11, 1, 23, 30), "ok"),
    # week of 2 Nov: 3 of 4
    (_local(11, 2, 9), "ok"), (_local(11, 3, 9), "ok"), (_local(11, 4, 9), "no"),
    (_local(11, 6, 16), "ok"),
    # week of 9 Nov: nothing decided -> a gap
    # week of 16 Nov: 5 of 5
    *[(_local(11, 16 + i, 11), "ok") for i in range(5)],
    # week of 23 Nov (this week): 2 decided, too few to chart -> a gap, not 100%
    (_local(11, 23, 10), "ok"), (_local(11, 24, 10), "ok"),
]


def _mailing(index: int) -> Action:
    return Action("mailings.send", "mailings.send_campaign",
                  {"recipients": [f"r{index}@example.com"], "subject": f"News {index}",
                   "body": "Hello"}, f"Mailing {index}")


def _decide(app: App, ws_id: int, history: list[tuple[datetime, str]]) -> None:
    """Each decision through the services, at its moment on the fake clock."""
    for index, (when, how) in enumerate(history):
        app.clock.now = when  # type: ignore[attr-defined]
        with app.db.unit(ws_id) as session:
            ws = session.get(Workspace, ws_id)
            assert ws is not None
            job = workspaces.job_description(session, ws)
            proposed = executor.propose(session, ws_id, _mailing(index), job, app.catalog,
                                        app.clock(), "client", app.approval_ttl)
            assert proposed.decision.name == "ask"
            assert proposed.approval_id is not None
            if how == "ok":
                approvals.approve(session, proposed.approval_id, job, app.catalog, app.clock())
            elif how == "edit":
                approvals.edit(session, proposed.approval_id, {"subject": "Edited"}, job,
                               app.catalog, app.clock(), app.approval_ttl)
            else:
                approvals.reject(session, proposed.approval_id, app.clock())
    app.clock.now = NOW  # type: ignore[attr-defined]


def _charts(app: App, ws_id: int) -> trust_chart.TrustCharts:
    with app.db.unit(ws_id, write=False) as session:
        weekly = queries.weekly_outcomes(session, app.clock(), "America/New_York")
        shown = [f for f in ledger.trust_table(session, app.catalog) if f.volume]
    titles = {d: m.title for d, m in app.catalog.items()}
    return trust_chart.build(weekly, shown, titles, app.thresholds())


def test_weekly_rates_follow_the_decisions_with_gaps(app: App) -> None:
    ws = new_workspace(app, Phase.I)
    _decide(app, ws, HISTORY)
    other = new_workspace(app, Phase.I)  # another office's rejections change nothing here
    _decide(app, other, [(_local(11, 17, 10), "no")] * 4)
    [chart] = _charts(app, ws).rates
    assert chart.duty == "mailings.send"
    points = chart.points
    assert len(points) == 12
    assert [p.start.isoformat() for p in points[7:]] == [
        "2026-10-26", "2026-11-02", "2026-11-09", "2026-11-16", "2026-11-23"]
    assert [(p.unchanged, p.decided, p.charted) for p in points[7:]] == [
        (2, 4, True), (3, 4, True), (0, 0, False), (5, 5, True), (2, 2, False)]
    assert [p.rate for p in points if p.charted] == [0.5, 0.75, 1.0]
    assert all(p.decided == 0 and not p.charted and p.y is None for p in points[:7])
    assert points[9].rate is None and points[9].y is None  # a gap, never 0%
    assert points[11].rate == 1.0 and points[11].y is None  # too few: a gap too
    # weeks 26 Oct and 2 Nov are joined; 16 Nov stands alone between two gaps
    assert chart.segments == [f"{points[7].x},{points[7].y} {points[8].x},{points[8].y}"]
    assert points[7].y is not None and points[8].y is not None and points[10].y is not None
    assert points[10].y < points[8].y < points[7].y  # higher rate, higher on the chart
    assert chart.threshold == app.thresholds().promote_min_unchanged_rate
    assert chart.summary.startswith("Approved unchanged, week by week: 50% → 75% → 100%")
    assert chart.overall.decided == 15 and chart.overall.approved_unchanged == 12
    bars = _charts(app, ws).bars["mailings.send"]
    assert [b.counts for b in bars[7:9]] == [{"unchanged": 2, "edited": 1, "rejected": 1},
                                             {"unchanged": 3, "rejected": 1}]


def test_the_page_draws_the_line_the_threshold_and_says_the_figures(single_app: App) -> None:
    ws = new_workspace(single_app, Phase.I)
    _decide(single_app, ws, HISTORY)
    page = _trust_page(single_app, ws)
    svg = _rate_svg(page)
    threshold = single_app.thresholds().promote_min_unchanged_rate
    assert f'y1="{trust_chart._y(threshold)}"' in svg and 'stroke-dasharray="5 4"' in svg
    assert "advisor proposes at 95%" in svg
    assert svg.count("<circle") == 3 and svg.count("<polyline") == 1
    assert 'width="100%"' in svg and 'role="img"' in svg  # scales down to a phone's width
    title, desc = _labelled(svg)
    assert title == "Sending mailings: share approved unchanged per week"
    assert "Week of 26 Oct: 50% (2 of 4)" in desc
    assert "Week of 02 Nov: 75% (3 of 4)" in desc
    assert "Week of 09 Nov: gap, no decisions" in desc
    assert "Week of 16 Nov: 100% (5 of 5)" in desc
    assert "Week of 23 Nov: gap, 2 decided" in desc
    assert "Advisor threshold 95%" in desc
    text = _text(page)
    assert "Approved unchanged, week by week: 50% → 75% → 100%" in text
    assert ("The advisor proposes asking you less once a duty's whole record is at least 95% "
            "approved unchanged, with at least 40 actions approved unchanged across 21 days "
            "and no incident in 30 days.") in text
    assert ("So far: 80% of 15 decided, 12 approved unchanged. The advisor proposes at 95% "
            "with at least 40 approved unchanged.") in text
    # the visually hidden table carries every week's figures
    table = re.search(r'<div class="sr-only"><table>.*?</table>', page, re.S)
    assert table
    rows = re.findall(r"<tr><th scope=\"row\">(.*?)</th><td>(\d+)</td><td>(\d+)</td>"
                      r"<td>(.*?)</td></tr>", table.group(0))
    assert rows[7:] == [("26 Oct 2026", "4", "2", "50%"), ("02 Nov 2026", "4", "3", "75%"),
                        ("09 Nov 2026", "0", "0", "none"),
                        ("16 Nov 2026", "5", "5", "100%"),
                        ("23 Nov 2026", "2", "2", "too few to chart")]
    # the counts chart is still there, beside the figures
    assert 'class="bar unchanged"' in page and "Outcomes per week of" in page


def test_the_dashed_line_is_at_the_configured_threshold(tmp_path: Path, single_url: str) -> None:
    clock = FakeClock(NOW)
    app = build(make_settings(tmp_path, single_url,
                              advisor={"promote_min_unchanged_rate": 0.8}), clock=clock)
    try:
        ws = new_workspace(app, Phase.I)
        _decide(app, ws, HISTORY[:8])
        svg = _rate_svg(_trust_page(app, ws))
        assert f'y1="{trust_chart._y(0.8)}"' in svg and "advisor proposes at 80%" in svg
        assert f'y1="{trust_chart._y(0.95)}"' not in svg
    finally:
        app.db.dispose()


def test_one_grouped_query_however_many_duties_and_weeks(single_app: App) -> None:
    small = new_workspace(single_app, Phase.I)
    _decide(single_app, small, HISTORY[:1])
    large = new_workspace(single_app, Phase.II)
    _decide(single_app, large, HISTORY)
    _copy_decisions(single_app, large)
    counts = {}
    for name, ws in (("small", small), ("large", large)):
        statements: list[str] = []

        def _seen(conn: object, cursor: object, statement: str, parameters: object,
                  context: object, executemany: bool,
                  statements: list[str] = statements) -> None:
            statements.append(statement)

        event.listen(single_app.db.engine, "before_cursor_execute", _seen)
        try:
            page = _trust_page(single_app, ws)
        finally:
            event.remove(single_app.db.engine, "before_cursor_execute", _seen)
        assert 'class="chart rate"' in page
        grouped = [s for s in statements if "outcomes" in s and "GROUP BY" in s]
        assert len(grouped) == 1, grouped
        counts[name] = sum("outcomes" in s for s in statements)
    assert counts["small"] == counts["large"]
    assert _trust_page(single_app, large).count('<svg class="chart rate"') == 2


def test_the_chart_escapes_its_text_and_is_labelled(single_app: App,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    ws = new_workspace(single_app, Phase.I)
    _decide(single_app, ws, HISTORY[:4])
    manifest = single_app.catalog["mailings.send"]
    monkeypatch.setitem(single_app.catalog._by_id, "mailings.send",
                        replace(manifest, title=HOSTILE))
    page = _trust_page(single_app, ws)
    assert "<script>alert" not in page and "<svg onload" not in page
    section = re.search(r'<section class="card" aria-labelledby="rates-h">.*?</section>',
                        page, re.S)
    assert section and '<h2 id="rates-h">' in section.group(0)
    assert "&lt;script&gt;alert(&#34;rh-xss" in section.group(0)
    figure = re.search(r'<figure class="rate-chart" aria-labelledby="([^"]+)">', page)
    assert figure and f'<figcaption id="{figure.group(1)}">' in page
    title, desc = _labelled(_rate_svg(page))
    assert HOSTILE in title and "Week of 26 Oct: 50% (2 of 4)" in desc


# -- helpers ---------------------------------------------------------------------------------


def _copy_decisions(app: App, ws_id: int) -> None:
    """A second duty with decisions (copy.write asks in phase II), for the query count."""
    for index, (when, how) in enumerate(HISTORY[4:10]):
        app.clock.now = when  # type: ignore[attr-defined]
        with app.db.unit(ws_id) as session:
            ws = session.get(Workspace, ws_id)
            assert ws is not None
            job = workspaces.job_description(session, ws)
            action = Action("copy.write", "copy.draft",
                            {"text": f"Ad {index}", "channel": "web"}, f"Ad {index}")
            proposed = executor.propose(session, ws_id, action, job, app.catalog,
                                        app.clock(), "client", app.approval_ttl)
            assert proposed.approval_id is not None
            if how == "no":
                approvals.reject(session, proposed.approval_id, app.clock())
            else:
                approvals.approve(session, proposed.approval_id, job, app.catalog, app.clock())
    app.clock.now = NOW  # type: ignore[attr-defined]


def _trust_page(app: App, ws_id: int) -> str:
    with app.db.unit(None, write=False) as session:
        ws = session.get(Workspace, ws_id)
        assert ws is not None
        slug = ws.slug
    owner = add_user(app, unique("owner"), ws_id, "owner")
    web = client(app)
    login(web, owner)
    answer = web.get(f"/w/{slug}/trust")
    assert answer.status_code == 200, answer.text
    return answer.text


def _rate_svg(page: str) -> str:
    found = re.search(r'<svg class="chart rate".*?</svg>', page, re.S)
    assert found, "no rate chart on the page"
    return found.group(0)


def _labelled(svg: str) -> tuple[str, str]:
    """The SVG's <title> and <desc>, which its aria-labelledby must name."""
    ids = re.search(r'aria-labelledby="([^"]+)"', svg)
    assert ids
    title_id, desc_id = ids.group(1).split()
    title = re.search(rf'<title id="{title_id}">(.*?)</title>', svg, re.S)
    desc = re.search(rf'<desc id="{desc_id}">(.*?)</desc>', svg, re.S)
    assert title and desc
    return _text(title.group(1)), _text(desc.group(1))


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def _text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return re.sub(r"\s+", " ", "".join(parser.parts))
