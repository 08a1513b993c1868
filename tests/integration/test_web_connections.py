"""Settings → Connections: credentials are stored sealed and never shown back, and "Test
connection" says exactly which step failed -- against real servers on loopback (aiosmtpd for
SMTP, a plain socket for TLS failures, a closed port, an unresolvable name)."""

from __future__ import annotations

import base64
import json
import threading
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest
from sqlalchemy import select, text

from righthand import netguard
from righthand.policy.duties import Phase
from righthand.store.tables import AuditEntry
from tests.support import dovecot
from tests.support.servers import free_port, need
from tests.support.smtp import SmtpServer
from tests.support.web import add_user, client, login, seed_demo, signed_in, unique

SECRET = "hunter2-very-secret"


@pytest.fixture
def office(single_app, monkeypatch):
    return seed_demo(single_app, monkeypatch, Phase.II)


@pytest.fixture
def owner(single_app, office):
    return signed_in(single_app, office.owner, office.slug)


def _save(web, slug: str, **fields: str) -> str:
    form = {"kind": "imap", "imap_host": "", "imap_security": "ssl", "smtp_host": "",
            "smtp_security": "starttls", "username": "", "smtp_username": "", **fields}
    answer = web.post(f"/w/{slug}/settings/connections/mail", data=form)
    assert answer.status_code == 200, answer.text[-800:]
    return answer.text


def _test(web, slug: str, which: str) -> str:
    answer = web.post(f"/w/{slug}/settings/connections/test", data={"which": which})
    assert answer.status_code == 200, answer.text[-800:]
    start = answer.text.index(f'id="test-{which}"')
    return answer.text[start:start + 1500]


def test_passwords_are_sealed_and_never_shown(single_app, office, owner):
    page = _save(owner, office.slug, imap_host="imap.example.com", username="pat",
                 password=SECRET, smtp_host="smtp.example.com", smtp_password=SECRET)
    assert SECRET not in page and "(set; empty keeps it)" in page
    with single_app.db.unit(office.workspace_id, write=False) as session:
        raw = session.execute(text("SELECT imap_password, smtp_password FROM mail_accounts "
                                   "WHERE workspace_id = :w"), {"w": office.workspace_id}).one()
        assert SECRET not in raw[0] and SECRET not in raw[1]
        entries = session.scalars(select(AuditEntry).where(
            AuditEntry.event == "mail.account_saved")).all()
    assert entries and entries[-1].actor.startswith("client:")
    assert all(SECRET not in str(e.data) for e in entries)
    # an empty password keeps the stored one
    _save(owner, office.slug, imap_host="imap2.example.com", username="pat")
    again = owner.get(f"/w/{office.slug}/settings/connections").text
    assert "imap2.example.com" in again and SECRET not in again
    assert again.count("(set; empty keeps it)") == 2


def test_connection_failures_name_the_step(single_app, office, owner, monkeypatch):
    slug = office.slug
    _save(owner, slug, imap_host="no-such-host.invalid", imap_port="993", username="pat",
          password=SECRET)
    assert "Failed (name lookup)" in _test(owner, slug, "imap")
    closed = free_port()
    _save(owner, slug, imap_host="127.0.0.1", imap_port=str(closed))
    blocked = _test(owner, slug, "imap")
    assert "Failed (private address)" in blocked and netguard.ALLOWLIST_ENV in blocked
    monkeypatch.setenv(netguard.ALLOWLIST_ENV, "127.0.0.1/32")
    refused = _test(owner, slug, "imap")
    assert "Failed (connection refused)" in refused and f"127.0.0.1:{closed}" in refused
    assert "resolves to 127.0.0.1" in refused  # the steps that passed are listed
    with SmtpServer() as server:
        # a plain-text SMTP server on a port told to be TLS: the handshake fails
        _save(owner, slug, smtp_host="127.0.0.1", smtp_port=str(server.port),
              smtp_security="ssl")
        assert "Failed (TLS)" in _test(owner, slug, "smtp")
        _save(owner, slug, smtp_host="127.0.0.1", smtp_port=str(server.port),
              smtp_security="none")
        works = _test(owner, slug, "smtp")
        assert "Works" in works and f"port {server.port} answers" in works
    with single_app.db.unit(office.workspace_id, write=False) as session:
        tested = session.scalars(select(AuditEntry).where(
            AuditEntry.event == "connection.tested")).all()
    assert [e.data["step"] for e in tested][-2:] == ["tls", "ok"]


@pytest.mark.server
def test_imap_against_dovecot_a_wrong_password_is_a_login_failure(single_app, office, owner,
                                                                  monkeypatch):
    reason = dovecot.available()
    need(reason is None, reason or "")
    monkeypatch.setenv(netguard.ALLOWLIST_ENV, "127.0.0.1/32")
    server = dovecot.Dovecot().start()
    try:
        user = server.new_user()
        _save(owner, office.slug, imap_host="127.0.0.1", imap_port=str(server.port),
              imap_security="none", username=user, password="wrong password")
        result = _test(owner, office.slug, "imap")
        assert "Failed (login)" in result and f"refused the login for {user}" in result
        _save(owner, office.slug, imap_host="127.0.0.1", imap_port=str(server.port),
              imap_security="none", username=user, password=dovecot.PASSWORD)
        assert "Works" in _test(owner, office.slug, "imap")
        _save(owner, office.slug, imap_host="127.0.0.1", imap_port=str(server.port),
              imap_security="ssl", username=user, password=dovecot.PASSWORD)
        assert "Failed (TLS)" in _test(owner, office.slug, "imap")
    finally:
        server.stop()


def test_phone_and_model_and_owner_only(single_app, office, owner, monkeypatch):
    slug = office.slug
    assert "auth token is missing" in _test(owner, slug, "phone")  # the demo line has none
    saved = owner.post(f"/w/{slug}/settings/connections/phone",
                       data={"number": "+1 202 555 0147", "auth_token": SECRET,
                             "account_sid": "AC0123456789abcdef"})
    assert saved.status_code == 200 and SECRET not in saved.text and "+12025550147" in saved.text
    assert 'value="AC0123456789abcdef"' in saved.text  # texts urgent mail to the client
    # the carrier is asked (RIGHTHAND_SMS_API_URL): nothing answers on a closed port
    single_app.settings = replace(single_app.settings,
                                  sms_api_url=f"http://127.0.0.1:{free_port()}")
    monkeypatch.setenv(netguard.ALLOWLIST_ENV, "127.0.0.1/32")
    assert "Failed (connection refused)" in _test(owner, slug, "phone")
    assert "built-in" in _test(owner, slug, "model")
    assert "no calendar server is configured" in _test(owner, slug, "caldav")
    staff = add_user(single_app, unique("staff"), office.workspace_id, "staff")
    web = client(single_app)
    login(web, staff)
    assert web.get(f"/w/{slug}/settings/connections").status_code == 403


SID, TOKEN, NUMBER = "AC0123456789abcdef", "carrier-token", "+12025550147"


class _JsonApi(BaseHTTPRequestHandler):
    """A JSON HTTP API on loopback (quiet)."""

    def _answer(self, status: int, data: dict[str, object]) -> None:
        body = json.dumps(data).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args: object) -> None:
        return


class _Numbers(_JsonApi):
    """A Twilio-compatible carrier's IncomingPhoneNumbers list, behind the account's token;
    ``voice_url`` is where the carrier sends the number's calls."""

    voice_url = ""

    def do_GET(self) -> None:
        expected = "Basic " + base64.b64encode(f"{SID}:{TOKEN}".encode()).decode()
        path, _, query = self.path.partition("?")
        if not path.startswith("/2010-04-01/Accounts/"):
            self._answer(404, {"message": "not found"})
        elif path != f"/2010-04-01/Accounts/{SID}/IncomingPhoneNumbers.json":
            self._answer(404, {"code": 20404, "message": "The requested resource was not found"})
        elif self.headers.get("Authorization") != expected:
            self._answer(401, {"code": 20003, "message": "Authenticate"})
        else:
            wanted = parse_qs(query).get("PhoneNumber", [""])[0]
            numbers = [{"phone_number": NUMBER, "voice_url": type(self).voice_url}]
            self._answer(200, {"incoming_phone_numbers": [n for n in numbers
                                                          if n["phone_number"] == wanted]})


def test_the_phone_line_is_checked_with_the_carrier(single_app, office, owner, monkeypatch):
    monkeypatch.setenv(netguard.ALLOWLIST_ENV, "127.0.0.1/32")
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Numbers)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    single_app.settings = replace(single_app.settings,
                                  sms_api_url=f"http://127.0.0.1:{server.server_address[1]}")
    slug = office.slug
    hook = f"/hooks/twilio/{slug}/voice"

    def line(number: str = NUMBER, token: str = TOKEN, sid: str = SID) -> str:
        saved = owner.post(f"/w/{slug}/settings/connections/phone",
                           data={"number": number, "auth_token": token, "account_sid": sid})
        assert saved.status_code == 200, saved.text[-800:]
        return _test(owner, slug, "phone")

    try:
        _Numbers.voice_url = f"https://office.example.com{hook}"
        assert "Works" in line(), "the right account, number and webhook"
        cases = [({"token": "wrong-token"}, "Failed (login)", "refused the Account SID"),
                 ({"sid": "AC9999"}, "Failed (login)", "has no account AC9999"),
                 ({"sid": ""}, "Failed (settings)", "Account SID is missing"),
                 ({"number": "+1 202 555 0199"}, "Failed (settings)",
                  "+12025550199 is not a number of the account")]
        for change, verdict, words in cases:
            result = line(**change)
            assert verdict in result and words in result, (change, result)
        _Numbers.voice_url = "https://old-pbx.example.com/calls"
        result = line()
        assert "Failed (settings)" in result and "old-pbx.example.com" in result
        assert hook in result, "the hint names the webhook Righthand answers"
        _Numbers.voice_url = ""
        assert "sends calls to +12025550147 nowhere" in line()
        page = owner.get(f"/w/{slug}/settings/connections").text
        assert TOKEN not in page and "wrong-token" not in page
    finally:
        server.shutdown()
        server.server_close()


class _Models(_JsonApi):
    """An OpenAI-compatible endpoint's model list, behind a key."""

    def do_GET(self) -> None:
        if self.headers.get("Authorization") != "Bearer right-key":
            self._answer(401, {"error": "bad key"})
            return
        self._answer(200, {"data": [{"id": "small-model"}]})


def test_the_language_model_endpoint_key_and_model(single_app, office, owner, monkeypatch):
    monkeypatch.setenv(netguard.ALLOWLIST_ENV, "127.0.0.1/32")
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Models)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/v1"
    try:
        for key, model, expected in [("wrong", "small-model", "Failed (login)"),
                                     ("right-key", "big-model", "Failed (settings)"),
                                     ("right-key", "small-model", "Works")]:
            single_app.settings = replace(single_app.settings, llm_url=base, llm_model=model,
                                        llm_key=key)
            result = _test(owner, office.slug, "model")
            assert expected in result, result
        page = owner.get(f"/w/{office.slug}/settings/connections").text
        assert "right-key" not in page and "key set" in page
    finally:
        server.shutdown()
