"""The calendar and scheduling duties end to end, on SQLite and PostgreSQL: agenda answers
from recurring events with exceptions, changes through the gate with iTIP mail, scheduling,
idempotent booking, REPLY processing, ICS import and export."""

from __future__ import annotations

import email
import email.policy
from datetime import timedelta

import icalendar
from sqlalchemy import func, select

from righthand.duties.appointments.itip import process_itip_reply
from righthand.policy.duties import Phase
from righthand.service import approvals, assistant, calendar_files, demo, workspaces
from righthand.store.tables import (
    ActionRow,
    AppointmentRequest,
    CalendarRow,
    ContactEmail,
    ContactRow,
    EventRow,
    Workspace,
)
from tests.conftest import new_workspace, workspace_slug


def _setup(app):
    wid = new_workspace(app, Phase.III)
    now = app.clock()
    with app.db.unit(wid) as session:
        ws = session.get(Workspace, wid)
        ws.profile = {"email": "pat@harbourpine.example"}
        for given, family, address in [("Bob", "Miller", "bob.miller@example.com"),
                                       ("Alice", "Jones", "alice.jones@example.com"),
                                       ("Tom", "Jones", "tom.jones@example.com")]:
            contact = ContactRow(workspace_id=wid, given_name=given, family_name=family,
                                 display_name=f"{given} {family}", created_at=now)
            session.add(contact)
            session.flush()
            session.add(ContactEmail(workspace_id=wid, contact_id=contact.id, address=address))
        session.flush()
        demo._calendar(session, wid, now)
    return wid, workspace_slug(app, wid)


def _ask(app, slug, text):
    return assistant.ask(app, text, slug)


def _approve(app, wid, approval_id):
    with app.db.unit(wid) as session:
        ws = session.get(Workspace, wid)
        job = workspaces.job_description(session, ws)
        row = approvals.approve(session, approval_id, job, app.catalog, app.clock())
    app.dispatcher().run_once(only=[row.id])
    return row.id


def test_agenda_free_time_and_changes(app):
    wid, slug = _setup(app)
    today = _ask(app, slug, "What's on my calendar today, Jane?").answer
    assert "Team stand-up" in today and "Jones closing prep" in today
    week = _ask(app, slug, "What's on my calendar this week?").answer
    assert "Team stand-up (moved to 10)" in week or "stand-up" in week
    assert "Friday 27 November\n  - 10 am" in week  # Friday's stand-up is excluded
    assert "Video call with Sophie Martin (Paris)" in week and "10 am-10:45 am" in week
    assert "all day: Open house weekend prep" in week
    busy = _ask(app, slug, "Am I free Friday at 3?").answer
    assert busy.startswith("No") and "Dev Patel" in busy
    assert _ask(app, slug, "Am I free Friday at 1?").answer.startswith("Yes")
    assert "Monday 30 November" in _ask(app, slug, "When am I free next week?").answer

    moved = _ask(app, slug, "Move my 3pm to Monday")
    [action] = moved.actions
    assert action.kind == "calendar.reschedule" and action.state == "done"
    with app.db.unit(wid, write=False) as session:
        row = session.scalars(select(EventRow).where(EventRow.uid == "dev-call@demo.righthand")
                              ).one()
        assert row.sequence == 1 and row.starts_at.astimezone().day in {30, 1}
    dentist = _ask(app, slug, "Cancel the dentist")
    [cancel] = dentist.actions
    assert cancel.kind == "calendar.cancel_event" and cancel.state == "done"
    assert "Dentist" not in _ask(app, slug, "What's on my calendar this weekend?").answer
    from righthand.service.undo import undo

    with app.db.unit(wid) as session:
        undo(session, app.registry, cancel.id, app.clock())
    assert "Dentist" in _ask(app, slug, "What's on my calendar this weekend?").answer


def test_conflicts_are_flagged(app):
    wid, slug = _setup(app)
    _ask(app, slug, "Schedule lunch with Bob Miller today at 2pm")  # busy: offered instead
    with app.db.unit(wid) as session:
        work = session.scalars(select(CalendarRow).where(CalendarRow.name == "Work")).one()
        from righthand.duties.calendar import compose, index

        start = app.clock().replace(hour=19, minute=30)  # 2:30 pm in New York
        index.store(session, work.id, compose.new_event(
            "clash@t", "Surprise call", start, start + timedelta(minutes=30), "America/New_York",
            app.clock()), app.clock(), "America/New_York", frozenset())
    answer = _ask(app, slug, "What's on my calendar today?").answer
    assert "CONFLICT with Jones closing prep" in answer and "double booking" in answer


def test_scheduling_books_once_and_proposes_slots(app, tmp_path):
    wid, slug = _setup(app)
    first = _ask(app, slug, "Schedule lunch with Bob next Tuesday at noon")
    [book] = first.actions
    assert book.kind == "appointments.book" and book.decision == "ask"
    _approve(app, wid, book.approval_id)
    again = _ask(app, slug, "Schedule lunch with Bob next Tuesday at noon")
    assert again.actions == [] and "already" in again.answer
    with app.db.unit(wid, write=False) as session:
        assert session.scalar(select(func.count()).select_from(EventRow).where(
            EventRow.summary == "Lunch with Bob")) == 1
    [eml] = list((tmp_path / "data" / "outgoing").glob("*.eml"))
    message = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    part = next(p for p in message.walk() if p.get_content_type() == "text/calendar")
    assert part.get_param("method") == "REQUEST"
    invite = icalendar.Calendar.from_ical(part.get_content())
    assert str(next(iter(invite.walk("VEVENT")))["UID"]).endswith("@righthand")

    busy = _ask(app, slug, "Schedule a call with Bob next Tuesday at noon")
    assert busy.actions == [] and "nearest free times" in busy.answer

    offer = _ask(app, slug, "Set up a call with the Joneses sometime next week")
    [propose] = offer.actions
    assert propose.kind == "appointments.propose_slots"
    _approve(app, wid, propose.approval_id)
    with app.db.unit(wid, write=False) as session:
        request = session.scalars(select(AppointmentRequest).where(
            AppointmentRequest.state == "proposed")).one()
        assert len(request.slots["offered"]) == 3
        request_id = request.id
    chosen = _ask(app, slug, f"book option 2 for request {request_id}")
    [book2] = chosen.actions
    _approve(app, wid, book2.approval_id)
    with app.db.unit(wid, write=False) as session:
        assert session.get(AppointmentRequest, request_id).state == "booked"
        event = session.scalars(select(EventRow).where(
            EventRow.summary == "Call with Alice and Tom")).one()
        uid, sequence = event.uid, event.sequence
    reply = (f"From: Tom Jones <tom.jones@example.com>\r\nTo: pat@harbourpine.example\r\n"
             "Subject: Accepted\r\nMIME-Version: 1.0\r\n"
             "Content-Type: text/calendar; method=REPLY; charset=utf-8\r\n\r\n"
             "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//EN\r\nMETHOD:REPLY\r\n"
             f"BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20261126T150000Z\r\nSEQUENCE:{sequence}\r\n"
             "ATTENDEE;PARTSTAT=ACCEPTED:mailto:tom.jones@example.com\r\nEND:VEVENT\r\n"
             "END:VCALENDAR\r\n").encode()
    with app.db.unit(wid) as session:
        spoof = reply.replace(b"From: Tom Jones <tom.jones@example.com>",
                              b"From: x@evil.example")
        assert process_itip_reply(session, spoof, app.clock()).status == "spoofed"
        assert process_itip_reply(session, reply, app.clock()).status == "recorded"
    with app.db.unit(wid, write=False) as session:
        event = session.scalars(select(EventRow).where(EventRow.uid == uid)).one()
        tom = next(a for a in event.attendees["list"] if a["email"] == "tom.jones@example.com")
        assert tom["partstat"] == "ACCEPTED"
        assert session.scalar(select(func.count()).select_from(ActionRow).where(
            ActionRow.kind == "appointments.book")) == 2


def _new_calendar(session, workspace_id):
    """The workspace and a new, empty calendar of it to import into."""
    ws = session.get(Workspace, workspace_id)
    cal = CalendarRow(workspace_id=workspace_id, name="Imported")
    session.add(cal)
    session.flush()
    return ws, cal


def test_import_export_round_trip(app, tmp_path):
    wid, _slug = _setup(app)
    with app.db.unit(wid) as session:
        exported = calendar_files.export(session)
    parsed = icalendar.Calendar.from_ical(exported)
    uids = {str(e["UID"]) for e in parsed.walk("VEVENT")}
    assert "standup@demo.righthand" in uids and len(parsed.walk("VTIMEZONE")) >= 2
    file = tmp_path / "all.ics"
    file.write_text(exported)
    other = new_workspace(app, Phase.III)
    with app.db.unit(other) as session:
        ws, cal = _new_calendar(session, other)
        report = calendar_files.import_path(session, ws, cal.id, file, app.clock())
        assert report.created == len(uids) and not report.errors
        again = calendar_files.import_path(session, ws, cal.id, file, app.clock())
        assert again.created == 0 and again.updated == len(uids)


def test_an_ics_file_with_nul_characters_imports_on_every_database(app, tmp_path):
    """PostgreSQL stores no NUL character in text: one in an event's summary or description
    reads as U+FFFD instead of failing the import."""
    ws_id = new_workspace(app, Phase.III)
    file = tmp_path / "nul.ics"
    file.write_bytes(b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\n"
                     b"UID:nul-1@example.com\r\nDTSTAMP:20261120T090000Z\r\n"
                     b"DTSTART:20261127T150000Z\r\nDTEND:20261127T160000Z\r\n"
                     b"SUMMARY:Roof\x00 inspection\r\nDESCRIPTION:Bring the\x00 ladder\r\n"
                     b"END:VEVENT\r\nEND:VCALENDAR\r\n")
    with app.db.unit(ws_id) as session:
        ws, cal = _new_calendar(session, ws_id)
        report = calendar_files.import_path(session, ws, cal.id, file, app.clock())
    assert report.created == 1 and not report.errors, report
    with app.db.unit(ws_id, write=False) as session:
        event = session.scalars(select(EventRow).where(EventRow.uid == "nul-1@example.com")).one()
        assert event.summary == "Roof\ufffd inspection" and "\x00" not in (event.ical or "")
