"""Appointment confirmations: tracked per external attendee, sent on booking and at the
reminder offsets (never twice for one offset), rendered in the attendee's zone with an .ics
and signed links; answers from link clicks, iTIP REPLYs and plain text; status questions."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from righthand.duties.appointments import confirm, confirm_job, confirm_replies
from righthand.duties.appointments.confirm_answers import status
from righthand.duties.calendar import compose, index
from righthand.duties.plugin import Request
from righthand.duties.plugin import Workspace as WorkspaceInfo
from righthand.policy.duties import Phase
from righthand.service import workspaces
from righthand.store.tables import (
    ActionRow,
    AppointmentConfirmation,
    CalendarRow,
    ContactEmail,
    ContactRow,
    ReminderRow,
    Workspace,
)
from righthand.web.app import create_app
from tests.conftest import new_workspace

ME = "pat@harbourpine.example"
TOM = "tom.reed@example.com"


def _setup(app, starts_in: timedelta, phase: Phase = Phase.II) -> tuple[int, datetime]:
    wid = new_workspace(app, phase)
    now = app.clock()
    start = (now + starts_in).replace(second=0, microsecond=0)
    with app.db.unit(wid) as session:
        ws = session.get(Workspace, wid)
        ws.profile = {"email": ME}
        contact = ContactRow(workspace_id=wid, given_name="Tom", family_name="Reed",
                             display_name="Tom Reed", timezone="Europe/London", created_at=now)
        session.add(contact)
        session.flush()
        session.add(ContactEmail(workspace_id=wid, contact_id=contact.id, address=TOM))
        cal = CalendarRow(workspace_id=wid, name="Work", color="#2563eb", busy=True)
        session.add(cal)
        session.flush()
        text = compose.new_event("consult-1@righthand", "Consultation", start,
                                 start + timedelta(hours=1), "America/New_York", now,
                                 location="12 Harbour St",
                                 organizer=compose.Person(ME, "Pat Lee"),
                                 attendees=(compose.Person(ME, "Pat Lee"),
                                            compose.Person(TOM, "Tom Reed")))
        index.store(session, cal.id, text, now, "America/New_York", frozenset({ME}))
    return wid, start


def _run(app, wid: int) -> list[str]:
    with app.db.unit(wid) as session:
        ws = session.get(Workspace, wid)
        job = workspaces.job_description(session, ws)
        return confirm_job.run(session, ws, job, app.catalog, app.clock(), app.approval_ttl,
                               confirm.Links("https://office.example", "s3cret"))


def _sent(app, wid: int) -> list[ActionRow]:
    with app.db.unit(wid, write=False) as session:
        rows = session.scalars(select(ActionRow).where(
            ActionRow.kind == confirm.KIND).order_by(ActionRow.id)).all()
        for row in rows:
            session.expunge(row)
        return list(rows)


def _row(app, wid: int) -> AppointmentConfirmation:
    with app.db.unit(wid, write=False) as session:
        row = session.scalars(select(AppointmentConfirmation)).one()
        session.expunge(row)
        return row


def test_booking_then_reminders_once_each(app, clock):
    wid, start = _setup(app, timedelta(days=5))
    assert len(_run(app, wid)) == 1
    assert _run(app, wid) == []  # idempotent: nothing new is due
    [booking] = _sent(app, wid)
    payload = booking.payload
    assert payload["offset"] == "booking" and payload["recipients"] == [TOM]
    # Rendered in the attendee's zone (London), with the .ics and three signed links.
    local = start.astimezone(ZoneInfo("Europe/London"))
    assert local.strftime("%-I:%M %p") in payload["body"] and "GMT" in payload["body"]
    assert payload["calendar"]["method"] == "REQUEST"
    assert "BEGIN:VEVENT" in payload["calendar"]["ics"]
    assert payload["body"].count("https://office.example/appointment/") == 3
    assert "Jane, Pat Lee's assistant" in payload["body"]
    clock.advance(hours=5 * 24 - 47)  # 47 h before
    _run(app, wid)
    _run(app, wid)
    clock.advance(hours=46)  # 1 h before: the 2 h reminder
    _run(app, wid)
    assert [a.payload["offset"] for a in _sent(app, wid)] == ["booking", "48", "2"]
    clock.advance(hours=2)  # after the start: nothing more
    assert _run(app, wid) == []


def test_late_booking_sends_only_the_latest_message(app):
    wid, _ = _setup(app, timedelta(hours=20))
    _run(app, wid)
    assert [a.payload["offset"] for a in _sent(app, wid)] == ["48"]
    assert _row(app, wid).sent["offsets"] == ["booking", "48"]


def test_link_click_confirms_and_reschedule_becomes_a_task(app):
    wid, _ = _setup(app, timedelta(days=3))
    _run(app, wid)
    body = _sent(app, wid)[0].payload["body"]
    links = {line.split(":", 1)[0].strip(): line.split(": ", 1)[1].strip()
             for line in body.splitlines() if "/appointment/" in line}
    web = TestClient(create_app(app))
    secret = confirm_job.links_of(app.settings).secret
    assert secret  # links made with another secret are refused:
    forged = links["Confirm"].split("/appointment/")[1]
    assert web.post(f"/appointment/{forged}").status_code == 400
    own = confirm.Links("http://testserver", secret)
    with app.db.unit(wid) as session:
        ws = session.get(Workspace, wid)
        row = session.scalars(select(AppointmentConfirmation)).one()
        action = confirm.message(session, ws, row, "2", app.clock(), own)
    urls = [w for w in action.payload["body"].split() if "/appointment/" in w]
    page = web.get(urls[0])
    assert page.status_code == 200 and "Consultation" in page.text
    assert _row(app, wid).status == "pending"  # a GET changes nothing
    assert web.post(urls[0]).status_code == 200
    assert _row(app, wid).status == "confirmed"
    assert web.post(urls[1]).status_code == 200
    assert _row(app, wid).status == "reschedule"
    with app.db.unit(wid, write=False) as session:
        [task] = session.scalars(select(ReminderRow)).all()
        assert "Tom Reed asks to reschedule Consultation" in task.text
    assert web.post(urls[0][:-3] + "abc").status_code == 400  # altered


def _mail(body: str, subject: str = "Re: Please confirm: Consultation") -> bytes:
    return (f"From: Tom Reed <{TOM}>\r\nTo: {ME}\r\nSubject: {subject}\r\n"
            "Message-ID: <r1@example.com>\r\nIn-Reply-To: <c1@righthand>\r\n"
            "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
            f"{body}\r\n\r\nOn Mon, Jane wrote:\r\n> Please confirm, or cancel.\r\n").encode()


@pytest.mark.parametrize(("said", "expected", "task"), [
    ("yes see you then", "confirmed", False),
    ("can we do 4 instead?", "reschedule", True),
    ("Sorry, I have to cancel.", "declined", True),
])
def test_plain_text_replies(app, said, expected, task):
    wid, _ = _setup(app, timedelta(days=2))
    _run(app, wid)
    with app.db.unit(wid) as session:
        done = confirm_replies.from_mail(session, _mail(said), app.clock())
        assert done is not None and done.status == expected
        assert (done.task_id is not None) is task
    assert _row(app, wid).status == expected


def test_unrelated_mail_and_quoted_text_do_not_answer(app):
    wid, _ = _setup(app, timedelta(days=2))
    _run(app, wid)
    unrelated = (f"From: {TOM}\r\nTo: {ME}\r\nSubject: Lunch?\r\n\r\nGreat, see you then\r\n")
    with app.db.unit(wid) as session:
        assert confirm_replies.from_mail(session, unrelated.encode(), app.clock()) is None
        assert confirm_replies.from_mail(session, _mail("Thanks for the note."),
                                         app.clock()) is None
    assert _row(app, wid).status == "pending"


def test_itip_reply_and_who_has_not_confirmed(app, clock):
    wid, start = _setup(app, timedelta(days=1))
    _run(app, wid)
    info = WorkspaceInfo(wid, "Pat Lee", "Jane", "America/New_York")
    day = start.astimezone(ZoneInfo("America/New_York")).date()
    with app.db.unit(wid) as session:
        answer = status(Request("Who hasn't confirmed for tomorrow?", "appointments.status",
                                {"day": day}, clock(), info, session))
        assert "1 of 1 not confirmed" in answer.text and "Tom Reed" in answer.text
        done = confirm_replies.from_itip(session, "consult-1@righthand", TOM, "ACCEPTED",
                                         clock())
        assert done is not None and done.status == "confirmed"
        answer = status(Request("Who hasn't confirmed?", "appointments.status",
                                {"day": day}, clock(), info, session))
        assert "Everyone has answered" in answer.text


def test_off_or_reactive_sends_nothing(app):
    wid, _ = _setup(app, timedelta(days=3), phase=Phase.I)
    assert _run(app, wid) == []
