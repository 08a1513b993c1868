"""From real outcomes to the advisor's proposal, and only the client's yes applies it."""

from __future__ import annotations

from datetime import timedelta

from righthand.bootstrap import build
from righthand.domain.actions import Action
from righthand.policy.autonomy import Autonomy
from righthand.policy.duties import Phase
from righthand.service import approvals, executor, ledger, workspaces
from righthand.store.tables import Workspace
from tests.conftest import make_settings, new_workspace


def _mailing(index: int) -> Action:
    return Action("mailings.send", "mailings.send_campaign",
                  {"recipients": [f"r{index}@example.com"], "subject": f"News {index}",
                   "body": "Hello"}, f"Mailing {index}")


def _approve_mailings(app, ws_id: int, count: int, days: float, reject: int = 0) -> None:
    step = timedelta(days=days) / max(count, 1)
    for index in range(count):
        with app.db.unit(ws_id) as session:
            ws = session.get(Workspace, ws_id)
            job = workspaces.job_description(session, ws)
            proposed = executor.propose(session, ws_id, _mailing(index), job, app.catalog,
                                        app.clock(), "client", app.approval_ttl)
            assert proposed.decision.name == "ask"
            if index < reject:
                approvals.reject(session, proposed.approval_id, app.clock())
            else:
                approvals.approve(session, proposed.approval_id, job, app.catalog, app.clock())
        app.clock.now += step


def _advice(app, ws_id: int):
    with app.db.unit(ws_id, write=False) as session:
        job = workspaces.job_description(session, session.get(Workspace, ws_id))
        return ledger.advice(session, job, app.catalog, app.clock(), app.thresholds())


def test_forty_unchanged_approvals_over_three_weeks_earn_a_proposal(app):
    ws = new_workspace(app, Phase.I)
    _approve_mailings(app, ws, 40, days=22)
    [proposal] = [p for p in _advice(app, ws) if p.duty == "mailings.send"]
    assert (proposal.current, proposal.proposed) == (Autonomy.ASK, Autonomy.NOTIFY)
    assert "40" in proposal.evidence and "3 weeks" in proposal.evidence
    with app.db.unit(ws, write=False) as session:
        figures = {f.duty: f for f in ledger.trust_table(session, app.catalog)}
    mailings = figures["mailings.send"]
    assert mailings.approved_unchanged == 40 and mailings.acceptance_rate == 1.0
    # advice is advice: the job description is unchanged until the client says yes
    with app.db.unit(ws, write=False) as session:
        job = workspaces.job_description(session, session.get(Workspace, ws))
    assert job.setting("mailings.send").autonomy is Autonomy.ASK


def test_too_soon_or_too_many_rejections_earn_nothing(app):
    soon = new_workspace(app, Phase.I)
    _approve_mailings(app, soon, 40, days=10)
    assert not [p for p in _advice(app, soon) if p.duty == "mailings.send"]
    picky = new_workspace(app, Phase.I)
    _approve_mailings(app, picky, 45, days=25, reject=8)
    assert not [p for p in _advice(app, picky) if p.duty == "mailings.send"]


def test_thresholds_are_configurable(tmp_path, db_url, clock):
    app = build(make_settings(tmp_path, db_url, advisor={"promote_min_unchanged": 5,
                                                           "promote_min_days": 2}), clock=clock)
    ws = new_workspace(app, Phase.I)
    _approve_mailings(app, ws, 6, days=3)
    assert [p.duty for p in _advice(app, ws)] == ["mailings.send"]
    app.db.dispose()


def test_cli_trust_shows_advice_and_accept_needs_a_yes(tmp_path, single_url, clock, monkeypatch):
    from datetime import UTC, datetime

    from typer.testing import CliRunner

    from righthand.cli import app as cli

    # The CLI runs on the real clock: let the history end just before now.
    clock.now = datetime.now(UTC) - timedelta(days=24)
    application = build(make_settings(tmp_path, single_url), clock=clock)
    ws = new_workspace(application, Phase.I)
    _approve_mailings(application, ws, 41, days=23)
    monkeypatch.setenv("RIGHTHAND_DATABASE_URL", single_url)
    monkeypatch.setenv("RIGHTHAND_HOME", str(tmp_path / "home"))
    with application.db.unit(None, write=False) as session:
        ws_slug = session.get(Workspace, ws).slug
    runner = CliRunner()
    shown = runner.invoke(cli, ["-w", ws_slug, "trust"])
    assert shown.exit_code == 0, shown.output
    assert "Advice for mailings.send" in shown.output and "41" in shown.output
    declined = runner.invoke(cli, ["-w", ws_slug, "trust", "accept", "mailings.send"], input="n\n")
    assert "Nothing changed" in declined.output
    accepted = runner.invoke(cli, ["-w", ws_slug, "trust", "accept", "mailings.send"],
                             input="y\n")
    assert "now notify" in accepted.output
    with application.db.unit(ws, write=False) as session:
        job = workspaces.job_description(session, session.get(Workspace, ws))
    assert job.setting("mailings.send").autonomy is Autonomy.NOTIFY
    application.db.dispose()


def test_an_action_approved_in_quiet_hours_waits_for_them_to_end(app):
    """Quiet hours (20:00-08:00 New York in the presets) defer even approved mail."""
    from datetime import UTC, datetime

    from sqlalchemy import select

    from righthand.store.tables import OutboxRow

    app.clock.now = datetime(2026, 11, 27, 2, 30, tzinfo=UTC)  # 21:30 in New York
    ws = new_workspace(app, Phase.I)
    with app.db.unit(ws) as session:
        job = workspaces.job_description(session, session.get(Workspace, ws))
        proposed = executor.propose(session, ws, _mailing(1), job, app.catalog, app.clock(),
                                    "client", app.approval_ttl)
        approvals.approve(session, proposed.approval_id, job, app.catalog, app.clock())
        entry = session.scalar(select(OutboxRow).where(OutboxRow.action_id == proposed.row.id))
    assert entry.not_before == datetime(2026, 11, 27, 13, 0, tzinfo=UTC)  # 08:00 in New York
    assert app.dispatcher().run_once(only=[proposed.row.id]).delivered == []
