"""The phone channel through the real FastAPI app with signed form posts: caller ID plus PIN
let the client in, speech goes to the assistant and the answer comes back as <Say>; anyone
else, a wrong PIN, a bad signature or a replay gets nothing."""

from __future__ import annotations

from xml.etree import ElementTree

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from righthand.policy.duties import Phase
from righthand.service import channels
from righthand.store.tables import ActionRow, ChannelIdentity, Workspace
from righthand.web.app import create_app
from tests.conftest import new_workspace, workspace_slug
from tests.support.calls import CLIENT_PHONE, post, set_line
from tests.support.mailbox import add_contact

PIN = "4321"


@pytest.fixture
def office(app):
    ws = new_workspace(app, Phase.III)
    set_line(app, ws)
    add_contact(app, ws, "Bob Miller", "bob.miller@example.com")
    add_contact(app, ws, "Bob Chen", "bob.chen@example.net")
    with app.db.unit(ws) as session:
        row = session.get(Workspace, ws)
        assert row is not None
        channels.add_phone(session, row, CLIENT_PHONE, PIN, app.clock())
    return ws, workspace_slug(app, ws), TestClient(create_app(app))


def _twiml(response) -> ElementTree.Element:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/xml")
    return ElementTree.fromstring(response.text)


def _said(root: ElementTree.Element) -> str:
    return " ".join(e.text or "" for e in root.iter("Say"))


def _step(web, slug, step, sid, **params):
    return _twiml(post(web, slug, f"assistant/{step}",
                       {"CallSid": sid, "From": CLIENT_PHONE, **params}))


def test_the_client_calls_and_is_answered(app, office):
    ws, slug, web = office
    hello = _step(web, slug, "call", "CA1")
    gather = hello.find("Gather")
    assert gather is not None and "PIN" in _said(hello)
    assert gather.get("action", "").endswith(f"/hooks/twilio/{slug}/assistant/pin")
    ready = _step(web, slug, "pin", "CA1", Digits=PIN)
    listen = ready.find("Gather")
    assert listen is not None and listen.get("input") == "speech"
    asked = _step(web, slug, "speech", "CA1",
                  SpeechResult="Email Bob that I'm running ten minutes late")
    assert "Which Bob" in _said(asked) and "Bob Miller" in _said(asked)
    assert asked.find("Gather") is not None  # keeps listening
    done = _step(web, slug, "speech", "CA1", SpeechResult="Miller")
    assert "email to Bob Miller" in _said(done) and "`" not in _said(done)
    with app.db.unit(ws, write=False) as session:
        action = session.scalars(select(ActionRow).where(ActionRow.kind == "email.send")).one()
        assert action.requested_by == "client (phone)"
        assert action.payload["recipients"] == ["bob.miller@example.com"]
    bye = _step(web, slug, "speech", "CA1", SpeechResult="That's all, thanks")
    assert [c.tag for c in bye] == ["Say", "Hangup"]


def test_strangers_wrong_pins_and_forgeries_get_nothing(app, office):
    ws, slug, web = office
    stranger = _twiml(post(web, slug, "assistant/call", {"CallSid": "CA2",
                                                         "From": "+12025550111"}))
    assert [c.tag for c in stranger] == ["Say", "Hangup"]
    # Skipping the PIN step does not help.
    skipped = _step(web, slug, "speech", "CA3", SpeechResult="Email Bob Chen that it's off")
    assert [c.tag for c in skipped] == ["Hangup"]
    _step(web, slug, "call", "CA4")
    for wrong_pin in ("0000", "1111", "2222"):
        wrong = _step(web, slug, "pin", "CA4", Digits=wrong_pin)
        assert "not right" in _said(wrong)
    assert wrong.find("Hangup") is not None
    after = _step(web, slug, "speech", "CA4", SpeechResult="Email Bob Chen that it's off")
    assert [c.tag for c in after] == ["Hangup"]
    params = {"CallSid": "CA5", "From": CLIENT_PHONE}
    assert post(web, slug, "assistant/call", params, token="wrong-token").status_code == 403
    assert post(web, slug, "assistant/call", params).status_code == 200
    assert post(web, slug, "assistant/call", params).status_code == 403  # replayed
    with app.db.unit(ws, write=False) as session:
        assert session.scalars(select(ActionRow).where(ActionRow.kind == "email.send")).all() \
            == []
        stored = session.scalars(select(ChannelIdentity)).one()
        assert stored.secret_hash and PIN not in stored.secret_hash
