"""briefing.manage: the daily briefing (only duties that are on), the job that emails it at the
chosen time (once; never when reactive; quiet hours kept), the weekly review, reminders,
follow-ups from promises, nudges -- on SQLite and PostgreSQL (the demo's text on SQLite)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from xml.etree import ElementTree

from sqlalchemy import select, update

from righthand.domain.actions import Initiative
from righthand.duties.briefing import jobs, promises, reminders, settings
from righthand.policy.autonomy import Autonomy
from righthand.policy.duties import Phase
from righthand.policy.limits import Limits, QuietHours
from righthand.service import demo, executor, workspaces
from righthand.service.assistant import ask
from righthand.service.undo import undo
from righthand.store.tables import ActionRow, OutboxRow, ReminderRow, Workspace
from tests.support.manager import manager_workspace


def _job(app, wid):
    with app.db.unit(wid, write=False) as session:
        ws = session.get(Workspace, wid)
        return workspaces.job_description(session, ws)


def _set_duty(app, wid: int, duty: str, **changes) -> None:
    with app.db.unit(wid) as session:
        ws = session.get(Workspace, wid)
        setting = replace(workspaces.job_description(session, ws).setting(duty), **changes)
        workspaces.set_duty(session, ws, duty, setting, app.catalog, app.clock())


def _briefing(app, wid, review=False):
    with app.db.unit(wid, write=False) as session:
        ws = session.get(Workspace, wid)
        return jobs.build(session, jobs.info(ws), app.clock(),
                          workspaces.job_description(session, ws), app.catalog, review=review)


def test_the_demo_briefing_reads_well(single_app):
    with single_app.db.unit(None) as session:
        wid = demo.seed(session, single_app.catalog, single_app.clock(), phase=Phase.III).id
    made = _briefing(single_app, wid)
    text = made.text
    assert text.startswith("Good morning, Pat. Here's Thursday 26 November.")
    titles = [s.title for s in made.sections]
    assert titles[0].startswith("Today (") and titles[1:] == [
        "Deals needing attention", "Follow-ups", "Running low"]
    assert "2 pm: Jones closing prep with Maria Garcia (Garcia Law)\n  Prep: Maria Garcia " \
           "(Garcia Law) — attorney on the Jones closing, at Inspection (9 days); next step " \
           "due tomorrow" in text
    assert "Nguyen purchase — stalled 21 days at Offer (stalled after 7); no next step" in text
    assert "Waiting on Dev Patel: “Jones loan: commitment letter?”" in text
    assert "Send Emma Wilson the staging quote (overdue: it was due yesterday)" in text
    assert "Printer paper: 2 boxes left (reorder at 3)" in text
    assert text.rstrip().endswith("— Jane")
    assert len(text.splitlines()) < 40  # short
    assert made.html.count("<svg") == 1 and "Jones closing prep" in made.html
    ElementTree.fromstring(made.html.split("<div style=\"margin:12px 0\">")[1]
                           .split("</div>")[0])  # the funnel is well-formed SVG
    review = _briefing(single_app, wid, review=True)
    assert review.subject == "Your week in review, 20\u201326 November"
    assert [s.title for s in review.sections] == [
        "What I did", "What slipped", "Pipeline movement", "My suggestions"]
    assert "Ordering office supplies: 2 approved as prepared" in review.text
    assert "righthand trust accept lists.maintain" in review.text
    assert review.html.count("<svg") == 2


def test_the_briefing_never_shows_what_an_off_duty_reads(app):
    wid, slug = manager_workspace(app)
    assert {s.key for s in _briefing(app, wid).sections} >= {"deals", "follow_ups"}
    _set_duty(app, wid, "sales.track", autonomy=Autonomy.OFF)
    _set_duty(app, wid, "supplies.order", autonomy=Autonomy.OFF)
    made = _briefing(app, wid)
    assert "deals" not in {s.key for s in made.sections}
    assert "Nguyen" not in made.text and "Jones closing" not in made.html
    with app.db.unit(wid) as session:
        settings.save(session, wid, sections_off=["follow_ups"])
    assert "follow_ups" not in {s.key for s in _briefing(app, wid).sections}
    _set_duty(app, wid, "briefing.manage", autonomy=Autonomy.OFF)
    refused = ask(app, "Brief me", slug)
    assert refused.intent == "briefing.today" and "briefing.manage" in refused.answer
    assert jobs.refusal(_job(app, wid), app.catalog) is not None


def _run_daily(app, wid, at: datetime) -> list[str]:
    app.clock.now = at
    with app.db.unit(wid) as session:
        ws = session.get(Workspace, wid)
        return jobs.run_daily(session, ws, workspaces.job_description(session, ws), app.catalog,
                              at, app.approval_ttl)


def _cancel_pending_mail(app, wid) -> None:
    """The PostgreSQL test database is shared and dispatchers serve every workspace: leave no
    mail of ours pending for another test's dispatcher to deliver."""
    with app.db.unit(wid) as session:
        session.execute(update(OutboxRow).where(OutboxRow.status == "pending")
                        .values(status="cancelled"))


def _sent(app, wid) -> list[ActionRow]:
    with app.db.unit(wid, write=False) as session:
        rows = session.scalars(select(ActionRow).where(ActionRow.kind == "briefing.send")
                               .order_by(ActionRow.id)).all()
        session.expunge_all()
        return list(rows)


def test_the_job_emails_it_once_at_the_chosen_time(app):
    wid, _slug = manager_workspace(app)
    thursday = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)  # 07:00 in New York
    assert _run_daily(app, wid, thursday) == []  # before 07:30
    done = _run_daily(app, wid, thursday + timedelta(minutes=35))
    assert done == ["Your briefing for Thursday 26 November: allow"]
    assert _run_daily(app, wid, thursday + timedelta(minutes=40)) == []  # once a day
    [row] = _sent(app, wid)
    assert row.initiative == "proactive" and row.payload["recipients"] == \
        ["pat@harbourpine.example"]
    assert "<svg" in row.payload["html"] and "Deals needing attention" in row.payload["body"]
    with app.db.unit(wid, write=False) as session:
        entry = session.scalars(select(OutboxRow).where(OutboxRow.action_id == row.id)).one()
        assert entry.via == "mail"
    # Friday, late: outside the window, nothing (no "good morning" at night) ...
    friday = thursday + timedelta(days=1)
    assert _run_daily(app, wid, friday + timedelta(hours=12)) == []
    # ... but in the morning the daily briefing and, it being Friday, the weekly review.
    done = _run_daily(app, wid, friday + timedelta(minutes=31))
    assert done == ["Your briefing for Friday 27 November: allow",
                    "Your week in review, 21\u201327 November: allow"]
    # Reactive: the assistant starts nothing itself.
    _set_duty(app, wid, "briefing.manage", initiative=Initiative.REACTIVE)
    assert "reactive" in _run_daily(app, wid, friday + timedelta(days=1, minutes=31))[0]
    assert len(_sent(app, wid)) == 3
    _cancel_pending_mail(app, wid)


def test_quiet_hours_defer_the_briefing(app):
    wid, _slug = manager_workspace(app)
    quiet = Limits(quiet_hours=QuietHours(*[datetime(2000, 1, 1, h).time() for h in (6, 9)]))
    _set_duty(app, wid, "briefing.manage", limits=quiet)
    at = datetime(2026, 11, 26, 12, 31, tzinfo=UTC)  # 07:31 in New York
    assert _run_daily(app, wid, at) == ["Your briefing for Thursday 26 November: allow"]
    [row] = _sent(app, wid)
    with app.db.unit(wid, write=False) as session:
        entry = session.scalars(select(OutboxRow).where(OutboxRow.action_id == row.id)).one()
        assert entry.not_before == datetime(2026, 11, 26, 14, 0, tzinfo=UTC)  # 09:00 local
    _cancel_pending_mail(app, wid)


def test_reminders_and_follow_ups(app):
    wid, slug = manager_workspace(app)
    answer = ask(app, "Remind me to call Bob Chen on Friday", slug)
    assert answer.intent == "reminders.set"
    assert answer.answer.startswith("I'll remind you to call Bob Chen tomorrow.")
    [action] = answer.actions
    assert action.state == "done"
    timed = ask(app, "Remind me on Monday at 3pm to send the contract to Maria", slug)
    with app.db.unit(wid, write=False) as session:
        rows = {r.text: r for r in session.scalars(select(ReminderRow).where(
            ReminderRow.source == "client", ReminderRow.kind == "reminder"))}
        call = rows["Call Bob Chen"]
        assert call.due_at == datetime(2026, 11, 27, 14, 0, tzinfo=UTC) and not call.has_time
        assert call.contact_id is not None
        contract = rows["Send the contract to Maria"]
        assert contract.has_time and contract.due_at == datetime(2026, 11, 30, 20, 0,
                                                                 tzinfo=UTC)
    with app.db.unit(wid) as session:
        undo(session, app.registry, timed.actions[0].id, app.clock())
        assert session.scalars(select(ReminderRow).where(
            ReminderRow.text == "Send the contract to Maria")).first() is None

    # Promises in sent mail become follow-ups, once per message.
    mail = ("Hi Bob,\n\nI'll send you the proposal tomorrow, and I will call Maria on Monday."
            "\n\nSee you soon!\nPat\n\nOn Wed, Bob wrote:\n> I'll wait for it.")
    sent = datetime(2026, 11, 26, 16, 0, tzinfo=UTC)
    for _ in range(2):
        with app.db.unit(wid) as session:
            made = promises.follow_ups_from_sent_mail(
                session, message_id="<p1@harbourpine.example>", text=mail, sent_at=sent,
                tz="America/New_York", to=["bob.chen@example.net"])
            assert [a.payload["text"] for a in made] == ["Send Bob Chen the proposal",
                                                         "Call Maria"]
            job = workspaces.job_description(session, session.get(Workspace, wid))
            ids = [executor.propose(session, wid, a, job, app.catalog, app.clock(),
                                    "assistant", app.approval_ttl).row.id for a in made]
        app.dispatcher().run_once(only=ids)
    with app.db.unit(wid, write=False) as session:
        follow = session.scalars(select(ReminderRow).where(
            ReminderRow.source_ref == "<p1@harbourpine.example>")).all()
        assert sorted(r.text for r in follow) == ["Call Maria", "Send Bob Chen the proposal"]
    # Marking one done goes through the gate too.
    with app.db.unit(wid) as session:
        row = session.scalars(select(ReminderRow).where(ReminderRow.text == "Call Maria")).one()
        update = reminders.update_action(row, "done")
        job = workspaces.job_description(session, session.get(Workspace, wid))
        done_id = executor.propose(session, wid, update, job, app.catalog, app.clock(),
                                   "client", app.approval_ttl).row.id
    app.dispatcher().run_once(only=[done_id])
    with app.db.unit(wid, write=False) as session:
        assert session.scalars(select(ReminderRow.status).where(
            ReminderRow.text == "Call Maria")).one() == "done"


def test_late_replies_become_nudges(app):
    wid, _slug = manager_workspace(app)
    with app.db.unit(wid) as session:
        ws = session.get(Workspace, wid)
        job = workspaces.job_description(session, ws)
        assert jobs.run_nudges(session, ws, job, app.catalog, app.clock(), app.approval_ttl) == 1
        mine = session.scalars(select(ActionRow.id).where(ActionRow.state == "queued")).all()
    app.dispatcher().run_once(only=mine)
    with app.db.unit(wid) as session:
        ws = session.get(Workspace, wid)
        assert jobs.run_nudges(session, ws, job, app.catalog, app.clock(), app.approval_ttl) == 0
        nudge = session.scalars(select(ReminderRow).where(ReminderRow.kind == "nudge")).one()
        assert nudge.text.startswith("No reply from Dev Patel to “Jones loan")
        closed = reminders.reply_received(session, from_address="dev.patel@firstharbor.example",
                                          in_reply_to="<demo-jones-loan@harbourpine.example>",
                                          now=app.clock())
        assert closed == 1
        assert session.get(ReminderRow, nudge.id).status == "done"
