"""Inbox → calls: a voicemail played back through the console (fetched from the carrier with
the line's credentials, which never reach the browser), and corrections of a call's screening
that change how the next call from the number is screened."""

from __future__ import annotations

import base64
import threading
from collections.abc import Iterator
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import select

from righthand.duties.screening import call_book
from righthand.policy.duties import Phase
from righthand.store.tables import ActionRow, CallRow, CallRule
from tests.support.calls import TOKEN, post
from tests.support.web import add_user, client, csrf, login, seed_demo, set_phase, unique

SID = "AC0123456789abcdef"
AUDIO = b"ID3\x03\x00fake-mp3-bytes" + bytes(range(256)) * 40
ROBOCALLER = "+18885550123"  # the demo's extended-warranty voicemail


class _Carrier(BaseHTTPRequestHandler):
    """A fake carrier's recordings API: basic auth checked, MP3 answered."""

    seen: list[tuple[str, str]] = []

    def do_GET(self) -> None:
        auth = self.headers.get("Authorization", "")
        self.seen.append((self.path, auth))
        good = "Basic " + base64.b64encode(f"{SID}:{TOKEN}".encode()).decode()
        if auth != good:
            self.send_response(401)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"message": "Authenticate"}')
            return
        if self.path.endswith("/gone"):
            self.send_response(404)
            self.end_headers()
            return
        if self.path.endswith("/html"):
            body = b"<html>not audio</html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
        else:
            body = AUDIO
            self.send_response(200)
            self.send_header("Content-Type", "audio/mpeg")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def carrier() -> Iterator[str]:
    _Carrier.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Carrier)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def office(app, monkeypatch, carrier):
    """The demo office (phase II: call screening on) with a line the fake carrier serves."""
    app.settings = replace(app.settings, sms_api_url=carrier)
    seeded = seed_demo(app, monkeypatch, Phase.II)
    with app.db.unit(seeded.workspace_id) as session:
        call_book.set_line(session, seeded.workspace_id, "+16175550100", app.clock(),
                           auth_token=TOKEN, account_sid=SID)
        for index, row in enumerate(session.scalars(select(CallRow).order_by(CallRow.id))):
            if row.recording_url:
                row.recording_url = f"{carrier}/2010-04-01/Accounts/{SID}/Recordings/RE{index}"
    return seeded


def _signed_in(app, office, username: str):
    web = client(app)
    login(web, username)
    web.headers["X-CSRF-Token"] = csrf(web, office.slug)
    return web


@pytest.fixture
def owner(app, office):
    return _signed_in(app, office, office.owner)


def _call(app, office, number: str, recorded: bool | None = None) -> CallRow:
    with app.db.unit(office.workspace_id, write=False) as session:
        query = select(CallRow).where(CallRow.from_number == number).order_by(CallRow.id)
        rows = [r for r in session.scalars(query)
                if recorded is None or bool(r.recording_url) == recorded]
        session.expunge_all()
    return rows[0]


def test_the_voicemail_plays_from_the_carrier_and_the_token_never_shows(app, office, owner):
    call = _call(app, office, ROBOCALLER)
    base = f"/w/{office.slug}/inbox"
    page = owner.get(f"{base}/calls/{call.id}")
    assert page.status_code == 200
    audio = f"{base}/calls/{call.id}/recording"
    assert f'<audio controls preload="none" src="{audio}"' in page.text
    assert f'href="{audio}?download=true"' in page.text
    listing = owner.get(base)
    assert f'src="{audio}"' in listing.text and f"{base}/calls/{call.id}" in listing.text

    played = owner.get(audio, follow_redirects=False)
    assert played.status_code == 200, played.text
    assert played.content == AUDIO
    assert played.headers["content-type"] == "audio/mpeg"
    assert played.headers["content-disposition"].startswith("inline")
    assert "no-store" in played.headers["cache-control"]
    path, auth = _Carrier.seen[-1]
    assert path.endswith("/Recordings/RE3") and auth.startswith("Basic ")

    saved = owner.get(audio, params={"download": "true"})
    assert saved.headers["content-disposition"] == \
        f'attachment; filename="voicemail-{call.id}.mp3"'
    secret = base64.b64encode(f"{SID}:{TOKEN}".encode()).decode()
    for answer in (page, listing, played, saved):
        body = answer.content
        assert TOKEN.encode() not in body and secret.encode() not in body
        assert TOKEN not in str(answer.headers) and secret not in str(answer.headers)
        assert "127.0.0.1" not in answer.headers.get("location", "")


def test_a_call_without_a_recording_says_so(app, office, owner):
    call = _call(app, office, "+16175550142")  # answered, no voicemail
    page = owner.get(f"/w/{office.slug}/inbox/calls/{call.id}")
    assert "No voicemail recording for this call." in page.text and "<audio" not in page.text
    answer = owner.get(f"/w/{office.slug}/inbox/calls/{call.id}/recording",
                       follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/w/{office.slug}/inbox/calls/{call.id}"


def test_without_the_lines_credentials_the_page_says_how_to_play_it(app, office, owner):
    with app.db.unit(office.workspace_id) as session:
        call_book.set_line(session, office.workspace_id, "+16175550100", app.clock(),
                           account_sid="")
    call = _call(app, office, ROBOCALLER)
    page = owner.get(f"/w/{office.slug}/inbox/calls/{call.id}")
    assert "account SID and auth token" in page.text and "<audio" not in page.text
    assert "how to play it here" in owner.get(f"/w/{office.slug}/inbox").text
    answer = owner.get(f"/w/{office.slug}/inbox/calls/{call.id}/recording",
                       follow_redirects=False)
    assert answer.status_code == 303 and _Carrier.seen == []


def test_carrier_failures_are_explained_not_passed_on(app, office, owner):
    call = _call(app, office, ROBOCALLER)
    audio = f"/w/{office.slug}/inbox/calls/{call.id}/recording"
    for suffix, status in (("/gone", 404), ("/html", 503)):
        with app.db.unit(office.workspace_id) as session:
            session.get(CallRow, call.id).recording_url = \
                f"{app.settings.sms_api_url}/2010-04-01/Recordings/x{suffix}"
        answer = owner.get(audio)
        assert answer.status_code == status and "not audio" not in answer.text
    with app.db.unit(office.workspace_id) as session:  # a wrong token: the carrier refuses
        call_book.set_line(session, office.workspace_id, "+16175550100", app.clock(),
                           auth_token="wrong-token")
        session.get(CallRow, call.id).recording_url = \
            f"{app.settings.sms_api_url}/2010-04-01/Recordings/x"
    refused = owner.get(audio)
    assert refused.status_code == 400 and "wrong-token" not in refused.text
    assert "Authenticate" not in refused.text


def test_credentials_go_only_to_the_carriers_api(app, office, owner, carrier):
    call = _call(app, office, ROBOCALLER)
    with app.db.unit(office.workspace_id) as session:  # same server, another origin
        session.get(CallRow, call.id).recording_url = \
            carrier.replace("127.0.0.1", "localhost") + "/Recordings/RE9"
    answer = owner.get(f"/w/{office.slug}/inbox/calls/{call.id}/recording")
    assert answer.status_code == 400 and "not public" in answer.text  # the guard refuses
    assert all(not path.endswith("/RE9") for path, _ in _Carrier.seen)


def test_another_workspaces_call_is_not_found(app, office, owner, monkeypatch):
    other = seed_demo(app, monkeypatch, Phase.II, slug=unique("other"))
    theirs = _call(app, other, ROBOCALLER)
    base = f"/w/{office.slug}/inbox/calls/{theirs.id}"
    mine = _call(app, office, ROBOCALLER)
    assert theirs.id != mine.id
    assert owner.get(base).status_code == 404
    assert owner.get(f"{base}/recording").status_code == 404
    assert owner.post(f"{base}/screening", data={"choice": "block"}).status_code == 404
    assert _Carrier.seen == []


def _verbs(answer) -> str:
    assert answer.status_code == 200, answer.text
    return answer.text


def test_always_put_through_changes_the_next_call(app, office, owner):
    number = "+12025550177"
    web = client(app)
    first = post(web, office.slug, "voice", {"CallSid": "CAfirst", "From": number,
                                             "To": "+16175550100"})
    assert "<Gather" in _verbs(first)  # an unknown number is asked who and why
    call = _call(app, office, number)
    fixed = owner.post(f"/w/{office.slug}/inbox/calls/{call.id}/screening",
                       data={"choice": "ring"})
    assert fixed.status_code == 200 and "Done: Always put" in fixed.text, fixed.text[-1500:]
    with app.db.unit(office.workspace_id, write=False) as session:
        action = session.scalars(select(ActionRow).where(ActionRow.kind == "calls.correct")) \
            .one()
        assert action.requested_by.startswith("client:") and action.state == "done"
        rule = session.scalars(select(CallRule).order_by(CallRule.position)).first()
        assert (rule.action, rule.spec["value"]) == ("ring", number)
    again = post(web, office.slug, "voice", {"CallSid": "CAsecond", "From": number,
                                             "To": "+16175550100"})
    assert "<Dial" in _verbs(again) and "+16175550101" in again.text


def test_block_then_not_spam(app, office, owner):
    number = "+12025550188"
    web = client(app)
    post(web, office.slug, "voice", {"CallSid": "CAb1", "From": number, "To": "+16175550100"})
    call = _call(app, office, number)
    blocked = owner.post(f"/w/{office.slug}/inbox/calls/{call.id}/screening",
                         data={"choice": "block"})
    assert "Done: Block" in blocked.text
    assert _call(app, office, number).category == "spam"
    answer = post(web, office.slug, "voice", {"CallSid": "CAb2", "From": number,
                                              "To": "+16175550100"})
    assert "<Reject" in _verbs(answer)

    unblocked = owner.post(f"/w/{office.slug}/inbox/calls/{call.id}/screening",
                           data={"choice": "not_spam"})
    assert "Done: Calls from" in unblocked.text, unblocked.text[-1500:]
    with app.db.unit(office.workspace_id, write=False) as session:
        rows = list(session.scalars(select(CallRow).where(CallRow.from_number == number)))
        assert all(r.category != "spam" for r in rows if r.call_sid == "CAb1")
    asked = post(web, office.slug, "voice", {"CallSid": "CAb3", "From": number,
                                             "To": "+16175550100"})
    assert "<Gather" in _verbs(asked)
    # what they say no longer makes them spam: a message is taken, not a hang-up
    said = post(web, office.slug, "gather", {"CallSid": "CAb3", "From": number,
                                             "SpeechResult": "about your car's warranty"})
    assert "<Record" in _verbs(said)


def test_the_demo_robocall_was_spam_and_not_spam_lets_it_ring_through_screening(app, office,
                                                                                owner):
    call = _call(app, office, ROBOCALLER)
    assert call.category == "spam"
    web = client(app)
    before = post(web, office.slug, "voice", {"CallSid": "CAr1", "From": ROBOCALLER,
                                              "To": "+16175550100"})
    assert "<Reject" in _verbs(before)  # spam before: blocked
    owner.post(f"/w/{office.slug}/inbox/calls/{call.id}/screening", data={"choice": "not_spam"})
    assert _call(app, office, ROBOCALLER).category != "spam"
    after = post(web, office.slug, "voice", {"CallSid": "CAr2", "From": ROBOCALLER,
                                             "To": "+16175550100"})
    assert "<Gather" in _verbs(after)


def test_a_correction_is_undone(app, office, owner):
    from righthand.service import undo

    number = "+12025550199"
    with app.db.unit(office.workspace_id) as session:  # the client's own rule for the number
        call_book.add_rule(session, office.workspace_id, f"block {number}", app.clock())
    web = client(app)
    post(web, office.slug, "voice", {"CallSid": "CAu1", "From": number, "To": "+16175550100"})
    call = _call(app, office, number)
    assert call.category == "spam"
    owner.post(f"/w/{office.slug}/inbox/calls/{call.id}/screening", data={"choice": "ring"})
    with app.db.unit(office.workspace_id) as session:
        rules = [(r.action, r.text) for r in session.scalars(select(CallRule))
                 if r.spec.get("value") == number]
        assert rules == [("ring", f"Always put {number} through")]
        action = session.scalars(select(ActionRow).where(ActionRow.kind == "calls.correct")) \
            .one()
        said = undo.undo(session, app.registry, action.id, app.clock())
        assert "as before" in said
    with app.db.unit(office.workspace_id, write=False) as session:
        rules = [(r.action, r.text) for r in session.scalars(select(CallRule))
                 if r.spec.get("value") == number]
        assert rules == [("block", f"block {number}")]
    assert _call(app, office, number).category == "spam"


def test_staff_correct_as_themselves_and_need_the_duty(app, office):
    staff_name = add_user(app, unique("alice"), office.workspace_id, "staff")
    staff = _signed_in(app, office, staff_name)
    call = _call(app, office, ROBOCALLER)
    base = f"/w/{office.slug}/inbox/calls/{call.id}"
    assert staff.get(base).status_code == 200
    assert staff.get(f"{base}/recording").content == AUDIO
    done = staff.post(f"{base}/screening", data={"choice": "block"})
    assert done.status_code == 200 and "Block" in done.text, done.text[-1500:]
    with app.db.unit(office.workspace_id, write=False) as session:
        action = session.scalars(select(ActionRow).where(ActionRow.kind == "calls.correct")) \
            .one()
        assert action.requested_by.startswith("staff:")
    set_phase(app, office.workspace_id, Phase.I)  # call screening off: staff no longer see
    refused = staff.get(f"{base}/recording")
    assert refused.status_code == 403 and refused.content != AUDIO
    assert "No duty that reads calls" in staff.get(base).text


def test_no_caller_id_has_nothing_to_correct(app, office, owner):
    call = _call(app, office, "anonymous")
    page = owner.get(f"/w/{office.slug}/inbox/calls/{call.id}")
    assert "no number to remember" in page.text.lower()
    answer = owner.post(f"/w/{office.slug}/inbox/calls/{call.id}/screening",
                        data={"choice": "block"})
    assert answer.status_code == 400
