"""Call screening through the Twilio-compatible webhook: signatures, replays, decisions
(ring through, ask, voicemail, block), voicemails and transcriptions, rules, the call log."""

from __future__ import annotations

from datetime import timedelta
from xml.etree import ElementTree

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from righthand.cli import app as cli_app
from righthand.duties.screening import call_book
from righthand.duties.screening.call_answers import call_log
from righthand.policy.duties import Phase
from righthand.store.tables import CallRow
from righthand.web.app import create_app
from tests.conftest import new_workspace, workspace_slug
from tests.support.calls import CLIENT_PHONE, add_caller, post, set_line


@pytest.fixture
def web(app):
    return TestClient(create_app(app))


@pytest.fixture
def office(app):
    ws = new_workspace(app, Phase.II)
    set_line(app, ws)
    return ws, workspace_slug(app, ws)


def _verbs(response) -> list[str]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/xml")
    root = ElementTree.fromstring(response.text)
    assert root.tag == "Response"
    return [child.tag for child in root]


def _call(app, ws: int, sid: str) -> CallRow:
    with app.db.unit(ws, write=False) as session:
        row = session.scalars(select(CallRow).where(CallRow.call_sid == sid)).one()
        session.expunge(row)
        return row


def test_a_contact_rings_through(app, web, office):
    ws, slug = office
    add_caller(app, ws, "Ann Lee", "+12025550111")
    answer = post(web, slug, "voice", {"CallSid": "CA1", "From": "+1 202-555-0111",
                                       "To": "+12025550100"})
    assert _verbs(answer) == ["Dial"]
    assert CLIENT_PHONE in answer.text
    row = _call(app, ws, "CA1")
    assert (row.decision, row.contact_id is not None, row.caller_name) == ("ring", True, "Ann Lee")


def test_forged_and_replayed_requests_are_refused(app, web, office):
    _ws, slug = office
    params = {"CallSid": "CA2", "From": "+12025550123"}
    assert post(web, slug, "voice", params, token="not-the-token").status_code == 403
    assert post(web, slug, "voice", params, signed="").status_code == 403
    # A parameter changed after signing: the signature no longer matches.
    from righthand.connectors.twilio import signature
    good = signature(f"http://testserver/hooks/twilio/{slug}/voice", params,
                     "test-auth-token-0123456789abcdef")
    tampered = dict(params, From="+12025550999")
    assert post(web, slug, "voice", tampered, signed=good).status_code == 403
    assert post(web, slug, "voice", params).status_code == 200
    assert post(web, slug, "voice", params).status_code == 403  # replay
    # Another workspace's line cannot be reached with this one's token.
    other = new_workspace(app, Phase.II)
    assert post(web, workspace_slug(app, other), "voice", params).status_code == 403
    assert post(web, "no-such-office", "voice", params).status_code == 403


def test_unknown_caller_is_asked_then_leaves_a_voicemail(app, web, office):
    ws, slug = office
    answer = post(web, slug, "voice", {"CallSid": "CA3", "From": "+13125550177"})
    assert _verbs(answer) == ["Gather", "Say", "Redirect"]
    assert 'input="speech"' in answer.text and "Jane" in answer.text
    answer = post(web, slug, "gather", {"CallSid": "CA3",
                                        "SpeechResult": "Tom Reed, about rescheduling our "
                                                        "appointment on Friday"})
    assert "Record" in _verbs(answer)
    answer = post(web, slug, "recording", {"CallSid": "CA3", "RecordingUrl":
                                           "https://api.twilio.com/rec/RE1",
                                           "RecordingDuration": "14"})
    assert _verbs(answer) == ["Say", "Hangup"]
    answer = post(web, slug, "transcription", {
        "CallSid": "CA3", "TranscriptionStatus": "completed",
        "TranscriptionText": "Hi, it's Tom, can we move Friday to Monday? Call me back."})
    assert answer.status_code == 204
    row = _call(app, ws, "CA3")
    assert row.status == "voicemail" and row.recording_seconds == 14
    assert row.category == "scheduling" and "Tom Reed" in row.purpose
    with app.db.unit(ws, write=False) as session:
        text = call_log(session, app.clock() - timedelta(hours=1),
                        app.clock() + timedelta(minutes=1), "America/New_York")
    assert "Tom Reed" in text and "move Friday to Monday" in text


def test_spam_voicemail_is_screened_and_the_number_then_blocked(app, web, office):
    ws, slug = office
    post(web, slug, "voice", {"CallSid": "CA4", "From": "+14155550142"})
    post(web, slug, "gather", {"CallSid": "CA4", "SpeechResult":
                               "This is about your car's extended warranty, press 1"})
    assert _call(app, ws, "CA4").category == "spam"
    again = post(web, slug, "voice", {"CallSid": "CA5", "From": "+14155550142"})
    assert _verbs(again) == ["Reject"]
    with app.db.unit(ws, write=False) as session:
        text = call_log(session, app.clock() - timedelta(hours=1),
                        app.clock() + timedelta(minutes=1), "America/New_York")
    assert "spam call" in text and "4155550142" not in text


def test_rules_by_number_tag_and_time_of_day(app, web, office, clock):
    ws, slug = office
    add_caller(app, ws, "Mia Lee", "+12025550112", tags=("family",))
    add_caller(app, ws, "Bob Stone", "+12025550113")
    with app.db.unit(ws) as session:
        call_book.add_rule(session, ws, "after 6 pm everyone but family goes to voicemail",
                           clock())
        call_book.add_rule(session, ws, "block +1 (646) 555-0150", clock())
    assert _verbs(post(web, slug, "voice", {"CallSid": "R1", "From": "+16465550150"})) == \
        ["Reject"]
    # 10:00 in New York: Bob rings through.
    assert _verbs(post(web, slug, "voice", {"CallSid": "R2", "From": "+12025550113"})) == \
        ["Dial"]
    clock.advance(hours=9)  # 19:00 in New York
    assert "Record" in _verbs(post(web, slug, "voice", {"CallSid": "R3",
                                                        "From": "+12025550113"}))
    assert _verbs(post(web, slug, "voice", {"CallSid": "R4", "From": "+12025550112"})) == \
        ["Dial"]
    assert "Record" in _verbs(post(web, slug, "voice", {"CallSid": "R5",
                                                        "From": "anonymous"}))


def test_unanswered_ring_through_takes_a_message(app, web, office):
    ws, slug = office
    add_caller(app, ws, "Ann Lee", "+12025550111")
    post(web, slug, "voice", {"CallSid": "D1", "From": "+12025550111"})
    answer = post(web, slug, "dialed", {"CallSid": "D1", "DialCallStatus": "no-answer"})
    assert "Record" in _verbs(answer)
    assert _call(app, ws, "D1").status == "missed"


def test_calls_rules_from_the_cli(single_app, monkeypatch):
    from righthand.commands import common

    ws = new_workspace(single_app, Phase.II)
    monkeypatch.setattr(common, "build_app", lambda create_schema=False: single_app)
    monkeypatch.setitem(common.state, "workspace", workspace_slug(single_app, ws))
    runner = CliRunner()
    added = runner.invoke(cli_app, ["calls", "rules", "add",
                                    "after 6 pm everyone but family goes to voicemail"])
    assert added.exit_code == 0, added.output
    assert "after 18:00" in added.output and "except family" in added.output
    listed = runner.invoke(cli_app, ["calls", "rules", "list"])
    assert "go to voicemail" in listed.output
    rule_id = added.output.split()[0].lstrip("#")
    removed = runner.invoke(cli_app, ["calls", "rules", "remove", rule_id])
    assert removed.exit_code == 0 and "Removed" in removed.output
    bad = runner.invoke(cli_app, ["calls", "rules", "add", "block +1 555"])
    assert bad.exit_code != 0


def test_the_demo_has_calls_and_voicemails(single_app, monkeypatch):
    from righthand.duties.plugin import Request
    from righthand.duties.plugin import Workspace as WorkspaceInfo
    from righthand.duties.screening.call_answers import calls_summary
    from tests.support.web import seed_demo

    wid = seed_demo(single_app, monkeypatch).workspace_id
    with single_app.db.unit(wid, write=False) as session:
        info = WorkspaceInfo(wid, "Pat Lee", "Jane", "America/New_York")
        answer = calls_summary(Request("Who called while I was out?",
                                       "screening.calls_summary", {}, single_app.clock(), info,
                                       session))
    text = answer.text
    assert text.index("Alice Jones") < text.index("Sam Rivera")  # VIP first
    assert "Maple Street" in text and "1 spam call screened out" in text


def test_rules_by_named_contact(app, web, office):
    from righthand.errors import BadInput

    ws, slug = office
    add_caller(app, ws, "Bob Stone", "+12025550113")
    add_caller(app, ws, "Ann Lee", "+12025550111")
    add_caller(app, ws, "Ann Park", "+12025550114")
    with app.db.unit(ws) as session:
        rule = call_book.add_rule(session, ws, "send Bob Stone to voicemail", app.clock())
        assert rule.spec["who"] == "contact" and rule.spec["contact_name"] == "Bob Stone"
        with pytest.raises(BadInput, match="matches several contacts"):
            call_book.add_rule(session, ws, "block Ann", app.clock())
        with pytest.raises(BadInput, match="no contact matches"):
            call_book.add_rule(session, ws, "block Zed Quinn", app.clock())
    # Bob is a known contact, so he would ring through; his rule sends him to voicemail.
    assert "Record" in _verbs(post(web, slug, "voice", {"CallSid": "N1",
                                                        "From": "+1 202 555 0113"}))
    assert _call(app, ws, "N1").decision == "voicemail"
    assert _verbs(post(web, slug, "voice", {"CallSid": "N2", "From": "+12025550111"})) == \
        ["Dial"]


def test_who_called_while_i_was_out_through_ask(app, web, office, clock):
    from righthand.service import assistant

    ws, slug = office
    add_caller(app, ws, "Ann Lee", "+12025550111")
    post(web, slug, "voice", {"CallSid": "W1", "From": "+12025550111"})
    post(web, slug, "dialed", {"CallSid": "W1", "DialCallStatus": "no-answer"})
    post(web, slug, "recording", {"CallSid": "W1", "RecordingUrl":
                                  "https://api.twilio.com/rec/RE9", "RecordingDuration": "9"})
    post(web, slug, "transcription", {"CallSid": "W1", "TranscriptionStatus": "completed",
                                      "TranscriptionText": "Ann here, the inspection moved "
                                                           "to Thursday."})
    clock.advance(hours=2)
    answer = assistant.ask(app, "Who called while I was out?", slug)
    assert answer.intent == "screening.calls_summary", answer
    assert "Ann Lee" in answer.answer and "inspection moved to Thursday" in answer.answer
