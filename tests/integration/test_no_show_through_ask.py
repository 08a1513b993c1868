"""A no-show said in the client's words reaches appointments.confirm through the assistant
service (not the screening rules), names the right appointment -- "his 11am" even when another
one is nearer -- and is recorded through the gate."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from righthand.duties.calendar import compose, index
from righthand.service import assistant
from righthand.store.tables import AppointmentConfirmation, CalendarRow
from tests.conftest import workspace_slug
from tests.integration.test_appointment_confirmations import ME, TOM, _run, _setup


def _statuses(app, wid: int) -> dict[str, str]:
    with app.db.unit(wid, write=False) as session:
        return {r.summary: r.status for r in session.scalars(select(AppointmentConfirmation))}


@pytest.mark.parametrize("said", ["Mark Tom Reed as a no-show",
                                  "Tom didn't show up for his 3pm",
                                  "flag the Reed appointment as no-show",
                                  "Jane, the Reeds never turned up"])
def test_a_no_show_in_the_clients_words_is_recorded(app, clock, said):
    wid, _ = _setup(app, timedelta(hours=5))  # 3 pm in New York
    _run(app, wid)
    clock.advance(hours=7)  # the appointment has come and gone
    answer = assistant.ask(app, said, workspace_slug(app, wid))
    assert answer.intent == "appointments.confirm", answer
    assert answer.slots.get("answer") == "no-show"
    assert answer.answer.startswith("I'll mark Tom Reed as a no-show for Consultation."), answer
    [action] = answer.actions
    assert action.kind == "appointments.mark_attendance" and action.state == "done", action
    assert _statuses(app, wid) == {"Consultation": "no_show"}


def test_the_time_said_picks_the_appointment(app, clock):
    wid, start = _setup(app, timedelta(hours=5))  # Consultation at 3 pm
    with app.db.unit(wid) as session:  # and a follow-up with Tom at 11 am the same day
        cal = session.scalars(select(CalendarRow)).one()
        early = start - timedelta(hours=4)
        index.store(session, cal.id, compose.new_event(
            "follow-up-1@righthand", "Follow-up", early, early + timedelta(minutes=30),
            "America/New_York", app.clock(), organizer=compose.Person(ME, "Pat Lee"),
            attendees=(compose.Person(ME, "Pat Lee"), compose.Person(TOM, "Tom Reed"))),
            app.clock(), "America/New_York", frozenset({ME}))
    _run(app, wid)
    clock.advance(hours=7)  # 5 pm: the 3 pm is the nearer one, but the client names the 11am
    answer = assistant.ask(app, "Tom didn't show up for his 11am", workspace_slug(app, wid))
    assert answer.intent == "appointments.confirm", answer
    assert "Follow-up" in answer.answer, answer
    assert _statuses(app, wid) == {"Follow-up": "no_show", "Consultation": "pending"}


def test_who_did_not_show_up_is_still_a_question(app, clock):
    wid, _ = _setup(app, timedelta(hours=5))
    _run(app, wid)
    clock.advance(hours=7)
    answer = assistant.ask(app, "Who didn't show up today?", workspace_slug(app, wid))
    assert answer.intent == "appointments.status" and answer.actions == [], answer
    assert _statuses(app, wid) == {"Consultation": "pending"}
