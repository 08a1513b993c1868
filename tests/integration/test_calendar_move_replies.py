"""Calendar moves through ``assistant.ask`` (the demo calendar, Phase III): each reply names
what changes -- the day, the time or both -- asks when no new time was given, and says so
when the event is already there (nothing proposed)."""

from __future__ import annotations

from righthand.policy.duties import Phase
from righthand.service import assistant, demo
from righthand.store.tables import Workspace
from tests.conftest import new_workspace, workspace_slug


def _slug(app) -> str:
    wid = new_workspace(app, Phase.III)
    with app.db.unit(wid) as session:
        ws = session.get(Workspace, wid)
        ws.profile = {"email": "pat@harbourpine.example"}
        demo._calendar(session, wid, app.clock())  # the dentist: Sunday 29 November, 10 am
    return workspace_slug(app, wid)


def test_move_replies_for_day_time_and_both(single_app):
    slug = _slug(single_app)

    def ask(text: str) -> assistant.Answer:
        answer = assistant.ask(single_app, text, slug)
        answer.answer = answer.answer.split("\n\n")[0]  # the reply, without the gate's "Done."
        return answer

    day = ask("Move the dentist to Monday")
    assert day.answer == ("Moving Dentist from Sunday 29 November to Monday 30 November, "
                          "still at 10 am."), day
    assert [a.state for a in day.actions] == ["done"]
    clock = ask("Move the dentist to 11:30am")
    assert clock.answer == "Moving Dentist from 10 am to 11:30 am on Monday 30 November.", clock
    both = ask("Move the dentist to tomorrow at 2pm")
    assert both.answer == ("Moving Dentist from Monday 30 November at 11:30 am to tomorrow "
                           "at 2 pm."), both
    again = ask("Move the dentist to tomorrow at 2pm")
    assert again.answer == "Dentist is already tomorrow at 2 pm." and again.actions == []


def test_a_move_without_a_new_time_asks_when(single_app):
    slug = _slug(single_app)
    asked = assistant.ask(single_app, "Reschedule the dentist", slug)
    assert asked.intent == "calendar.move" and asked.actions == []
    assert asked.answer.startswith("To when should I move Dentist (Sunday 29 November at "
                                   "10 am)?"), asked
