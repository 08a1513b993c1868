"""The Ask page keeps the conversation's memory (service/conversation.py) per signed-in user:
a clarifying question ("Which Bob?") is answered on the next turn ("Miller"), and one user's
pending question never completes another user's words."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from righthand.policy.duties import Phase
from righthand.store.tables import ActionRow, ConversationState
from tests.support.web import add_user, seed_demo, signed_in, unique

HTMX = {"HX-Request": "true"}


@pytest.fixture
def office(single_app, monkeypatch):
    return seed_demo(single_app, monkeypatch, Phase.II)


def _signed_in(single_app, office, username: str):
    return signed_in(single_app, username, office.slug)


def _emails(single_app, office) -> list[ActionRow]:
    with single_app.db.unit(office.workspace_id, write=False) as session:
        rows = list(session.scalars(select(ActionRow).where(ActionRow.kind == "email.send")))
        for row in rows:
            session.expunge(row)
        return rows


def test_a_clarifying_question_is_answered_on_the_next_turn(single_app, office):
    owner = _signed_in(single_app, office, office.owner)
    url = f"/w/{office.slug}/ask"
    asked = owner.post(url, data={"text": "Email Bob that I'm running ten minutes late"},
                       headers=HTMX)
    assert asked.status_code == 200
    assert "Which Bob" in asked.text and "Bob Miller" in asked.text and "Bob Chen" in asked.text
    assert _emails(single_app, office) == []  # nothing guessed

    picked = owner.post(url, data={"text": "Miller"}, headers=HTMX)
    assert picked.status_code == 200
    assert "waiting for approval" in picked.text, picked.text
    [email] = _emails(single_app, office)
    assert email.payload["recipients"] == ["bob.miller@example.com"]
    assert "ten minutes late" in email.payload["body"]
    with single_app.db.unit(office.workspace_id, write=False) as session:
        channels = list(session.scalars(select(ConversationState.channel)))
    assert channels == [f"web:client:{office.owner}"]

    # The question was answered: "Chen" now is a new request, not a second email.
    owner.post(url, data={"text": "Chen"}, headers=HTMX)
    assert len(_emails(single_app, office)) == 1


def test_each_user_has_their_own_conversation(single_app, office):
    owner = _signed_in(single_app, office, office.owner)
    staff_name = add_user(single_app, unique("staff"), office.workspace_id, "staff")
    staff = _signed_in(single_app, office, staff_name)
    url = f"/w/{office.slug}/ask"
    asked = owner.post(url, data={"text": "Email Bob that the keys are at the office"},
                       headers=HTMX)
    assert "Which Bob" in asked.text
    # Someone else saying "Miller" does not answer the owner's question ...
    staff.post(url, data={"text": "Miller"}, headers=HTMX)
    assert _emails(single_app, office) == []
    # ... while the owner still can.
    owner.post(url, data={"text": "the first one"}, headers=HTMX)
    [email] = _emails(single_app, office)
    assert email.payload["recipients"] in (["bob.miller@example.com"], ["bob.chen@example.net"])
