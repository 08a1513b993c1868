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


def _briefing(app, wid: int) -> str:
    from righthand.duties.briefing.jobs import build, info

    with app.db.unit(wid, write=False) as session:
        ws = session.get(Workspace, wid)
        job = workspaces.job_description(session, ws)
        return build(session, info(ws), app.clock(), job, app.catalog).text


def test_quiet_hours_defer_the_message_and_the_briefing_reports_it(app, clock):
    wid, _ = _setup(app, timedelta(days=3))
    clock.advance(hours=12)  # 22:00 in New York: inside the preset's quiet hours (20-8)
    [said] = _run(app, wid)
    assert said.endswith(": allow")  # Phase II: proactive, within its limits
    [booking] = _sent(app, wid)
    app.dispatcher().run_once(only=[booking.id])
    assert _sent(app, wid)[0].state == "queued"  # nothing reaches Tom at night
    outgoing = app.settings.outgoing_mail_dir

    def to_tom() -> list[str]:
        found = [p.read_text() for p in outgoing.glob("*.eml")] if outgoing.exists() else []
        return [m for m in found if TOM in m]

    assert to_tom() == []
    text = _briefing(app, wid)
    assert "Confirmations" in text and "1 waiting for the end of quiet hours" in text
    clock.advance(hours=10, minutes=5)  # 08:05: the quiet hours are over
    app.dispatcher().run_once(only=[booking.id])
    assert _sent(app, wid)[0].state == "done"
    [mail] = to_tom()
    assert "Please confirm: Consultation" in mail
    with app.db.unit(wid) as session:
        confirm_replies.from_mail(session, _mail("can we do 4 instead?"), app.clock())
    text = _briefing(app, wid)
    assert "I sent 1 confirmation or reminder since yesterday." in text
    assert "Tom Reed asks to reschedule: Consultation" in text
    assert "can we do 4 instead?" in text
    assert "waiting for the end of quiet hours" not in text


def test_the_briefing_names_who_has_not_confirmed_and_is_silent_when_the_duty_is_off(app):
    wid, _ = _setup(app, timedelta(hours=26))
    _run(app, wid)
    assert "Not confirmed yet: Tom Reed (Consultation, tomorrow" in _briefing(app, wid)
    off = new_workspace(app, Phase.I)  # appointments.confirm is not in Phase I
    assert "Confirmations" not in _briefing(app, off)


def test_a_no_show_is_marked_from_the_clients_words_and_can_be_undone(app, clock):
    from righthand.duties.appointments.confirm_answers import confirm_request
    from righthand.service.undo import undo
    from tests.support.mail import propose

    wid, start = _setup(app, timedelta(hours=3))
    _run(app, wid)
    clock.advance(hours=5)  # the appointment has come and gone
    info = WorkspaceInfo(wid, "Pat Lee", "Jane", "America/New_York")
    with app.db.unit(wid) as session:
        unclear = confirm_request(Request("Tom Reed?", "appointments.confirm",
                                          {"who": "Tom Reed"}, clock(), info, session))
        assert unclear.actions == [] and "no-show" in unclear.text  # never guessed
        reply = confirm_request(Request("Tom Reed didn't show up", "appointments.confirm",
                                        {"who": "Tom Reed"}, clock(), info, session))
    [action] = reply.actions
    assert action.kind == "appointments.mark_attendance"
    marked = propose(app, wid, action)
    assert marked.decision.name == "allow"
    app.dispatcher().run_once(only=[marked.row.id])
    assert _row(app, wid).status == "no_show"
    day = start.astimezone(ZoneInfo("America/New_York")).date()
    with app.db.unit(wid) as session:
        said = status(Request("Who showed up today?", "appointments.status", {"day": day},
                              clock(), info, session)).text
    assert "Tom Reed: did not show up" in said
    with app.db.unit(wid) as session:
        undo(session, app.registry, marked.row.id, app.clock())
    assert _row(app, wid).status == "pending"


@pytest.mark.parametrize("text", ["Can you confirm my appointment with Tom Reed?",
                                  "Jane, please confirm Tom Reed for tomorrow",
                                  "send Tom Reed a confirmation",
                                  "make sure Tom Reed confirms"])
def test_asking_to_confirm_never_records_an_answer(app, clock, text):
    """A request to confirm someone is not the client saying that they confirmed."""
    from righthand.duties.appointments.confirm_answers import confirm_request

    wid, _start = _setup(app, timedelta(hours=30))
    _run(app, wid)
    info = WorkspaceInfo(wid, "Pat Lee", "Jane", "America/New_York")
    with app.db.unit(wid) as session:
        reply = confirm_request(Request(text, "appointments.confirm", {"who": "Tom Reed"},
                                        clock(), info, session))
    assert reply.actions == [] and "Tom Reed: no reply yet for Consultation" in reply.text
    assert "No confirmation has gone out yet" in reply.text  # Phase II: it awaits approval
    assert _row(app, wid).status == "pending"
    with app.db.unit(wid) as session:
        said = confirm_request(Request("Tom Reed confirmed", "appointments.confirm",
                                       {"who": "Tom Reed"}, clock(), info, session))
    assert [a.payload["status"] for a in said.actions] == ["confirmed"]


def test_answers_arriving_in_the_mailbox_are_recorded_once(app, tmp_path):
    """Through the real mail loop (a local Maildir): an iTIP REPLY from one attendee and a
    plain-text cancellation from another are recorded when the mail is polled, once."""
    import mailbox

    from righthand.connectors.ports import MailboxConfig
    from righthand.service import mail_poll
    from righthand.store.tables import EventRow
    from tests.support.mailbox import connect

    wid, _ = _setup(app, timedelta(days=2))
    ann = "ann.cole@example.org"
    with app.db.unit(wid) as session:  # a second outside attendee: Ann
        event = session.scalars(select(EventRow)).one()
        people = dict(event.attendees or {})
        people["list"] = [*people.get("list", []), {"email": ann, "name": "Ann Cole",
                                                    "partstat": "NEEDS-ACTION"}]
        event.attendees = people
    _run(app, wid)
    root = tmp_path / "maildir"
    box = mailbox.Maildir(str(root), create=True)
    connect(app, wid, MailboxConfig(kind="maildir", maildir_path=str(root)), address=ME)
    itip = (f"From: Tom Reed <{TOM}>\r\nTo: {ME}\r\nSubject: Accepted: Consultation\r\n"
            "Message-ID: <itip-1@example.com>\r\nMIME-Version: 1.0\r\n"
            "Content-Type: text/calendar; method=REPLY; charset=utf-8\r\n\r\n"
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//EN\r\nMETHOD:REPLY\r\n"
            "BEGIN:VEVENT\r\nUID:consult-1@righthand\r\nDTSTAMP:20261126T150000Z\r\n"
            f"SEQUENCE:0\r\nATTENDEE;PARTSTAT=ACCEPTED:mailto:{TOM}\r\nEND:VEVENT\r\n"
            "END:VCALENDAR\r\n").encode()
    cancel = (f"From: Ann Cole <{ann}>\r\nTo: {ME}\r\nSubject: Re: Please confirm: "
              "Consultation\r\nMessage-ID: <ann-1@example.org>\r\nMIME-Version: 1.0\r\n"
              "Content-Type: text/plain; charset=utf-8\r\n\r\nSo sorry, I have to cancel.\r\n"
              "\r\n> Please let us know that you can make it\r\n").encode()
    for raw in (itip, cancel):
        box.add(mailbox.MaildirMessage(raw))
    mail_poll.poll(app, wid, dispatch=False)
    mail_poll.poll(app, wid, dispatch=False)  # nothing new: nothing recorded twice
    with app.db.unit(wid, write=False) as session:
        found = {r.attendee: r.status for r in session.scalars(select(AppointmentConfirmation))}
        tasks = [t.text for t in session.scalars(select(ReminderRow))]
    assert found == {TOM: "confirmed", ann: "declined"}
    assert len(tasks) == 1 and "Ann Cole cancels Consultation" in tasks[0]


def test_who_has_not_confirmed_for_tomorrow_through_ask(app):
    from righthand.service import assistant
    from tests.conftest import workspace_slug

    wid, _ = _setup(app, timedelta(hours=24))
    _run(app, wid)
    answer = assistant.ask(app, "Who hasn't confirmed for tomorrow?", workspace_slug(app, wid))
    assert answer.intent == "appointments.status", answer
    assert "1 of 1 not confirmed" in answer.answer and "Tom Reed" in answer.answer
