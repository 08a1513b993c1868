"""The web console's accounts and security: sign-in, cookies, CSRF, rate limit, TOTP, API
tokens and their scopes, staff attribution. On SQLite (the API tests run there; the isolation
test covers PostgreSQL too)."""

from __future__ import annotations

import pyotp
import pytest
from sqlalchemy import select

from righthand.policy.duties import Phase
from righthand.store.tables import ApiToken, AuditEntry, LoginAttempt, User, WebSession
from righthand.web import sessions
from righthand.web.settings import WebSettings
from tests.support.web import PASSWORD, add_user, client, csrf, login, seed_demo, unique


@pytest.fixture
def office(single_app, monkeypatch):
    return seed_demo(single_app, monkeypatch, Phase.II)


def test_pages_need_a_session_and_the_api_a_token(single_app, office):
    web = client(single_app)
    page = web.get(f"/w/{office.slug}/today", follow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"] == f"/login?next=/w/{office.slug}/today"
    assert web.get("/api/agenda").status_code == 401
    assert web.get("/api/agenda", headers={"Authorization": "Bearer rht_nonsense"}) \
        .status_code == 401
    htmx = web.get(f"/w/{office.slug}/today", headers={"HX-Request": "true"})
    assert htmx.headers["HX-Redirect"].startswith("/login?next=")


def test_sign_in_sets_a_hardened_cookie_and_sign_out_ends_the_session(single_app, office):
    web = client(single_app)
    login(web, office.owner)
    cookie = next(c for c in web.cookies.jar if c.name == sessions.COOKIE)
    assert cookie.has_nonstandard_attr("HttpOnly")
    assert cookie.get_nonstandard_attr("SameSite", "").lower() == "lax"
    assert not cookie.secure
    with single_app.db.unit(None, write=False) as session:
        stored = session.scalars(select(WebSession.token_hash)).all()
    assert cookie.value not in stored and sessions.token_hash(cookie.value) in stored
    today = web.get(f"/w/{office.slug}/today")
    assert today.status_code == 200 and "Team stand-up" in today.text
    for header in ("content-security-policy", "x-frame-options", "x-content-type-options"):
        assert header in today.headers
    assert "script-src 'self'" in today.headers["content-security-policy"]
    token = csrf(web, office.slug)
    old = cookie.value
    assert web.post("/logout", data={"csrf_token": token}, follow_redirects=False) \
        .status_code == 303
    web.cookies.set(sessions.COOKIE, old)
    assert web.get(f"/w/{office.slug}/today", follow_redirects=False).status_code == 303


def test_secure_cookies_behind_tls(single_app, office):
    web = client(single_app, WebSettings(cookie_secure="always"))
    form = web.get("/login")
    assert "secure" in form.headers["set-cookie"].lower()
    web_https = client(single_app, WebSettings(cookie_secure="auto"))
    web_https.base_url = "https://testserver"  # type: ignore[misc]
    answer = web_https.get("https://testserver/login")
    assert "secure" in answer.headers["set-cookie"].lower()


def test_wrong_password_and_login_csrf(single_app, office):
    web = client(single_app)
    login(web, office.owner, "not the password", expect=401)
    login(web, "nobody-at-all", "whatever it is", expect=401)
    web.get("/login")
    forged = web.post("/login", data={"username": office.owner, "password": PASSWORD,
                                      "csrf_token": "forged"}, follow_redirects=False)
    assert forged.status_code == 400
    assert sessions.COOKIE not in web.cookies


def test_every_form_needs_the_csrf_token(single_app, office):
    web = client(single_app)
    login(web, office.owner)
    base = f"/w/{office.slug}"
    refused = web.post(f"{base}/job/phase", data={"phase": "III"})
    assert refused.status_code == 403 and "security token" in refused.text
    assert web.post(f"{base}/job/phase", data={"phase": "III", "csrf_token": "nope"}) \
        .status_code == 403
    # htmx sends the token as a header (the layout's hx-headers)
    token = csrf(web, office.slug)
    ok = web.post(f"{base}/job/phase", data={"phase": "III"}, headers={"X-CSRF-Token": token})
    assert ok.status_code == 200 and "Now in Phase III" in ok.text
    # a cross-site Origin is refused even with the token
    cross = web.post(f"{base}/job/phase", data={"phase": "II", "csrf_token": token},
                     headers={"Origin": "https://evil.example"})
    assert cross.status_code == 403
    # the JSON API with the cookie needs it too
    assert web.post("/api/ask", json={"text": "hello"}).status_code == 403
    assert web.post("/api/ask", json={"text": "hello"},
                    headers={"X-CSRF-Token": token}).status_code == 200


def test_login_is_rate_limited_per_account_and_per_ip(single_app, office):
    settings = WebSettings(login_max_failures=3, login_max_failures_per_ip=5)
    web = client(single_app, settings)
    for _ in range(3):
        login(web, office.owner, "wrong password!", expect=401)
    login(web, office.owner, expect=429)  # even the right password waits
    with single_app.db.unit(None, write=False) as session:
        keys = set(session.scalars(select(LoginAttempt.key)))
    assert f"user:{office.owner}" in keys and any(k.startswith("ip:") for k in keys)
    # another account from the same address: the IP budget (5) runs out after two more
    other = add_user(single_app, unique("other"), office.workspace_id)
    login(web, other, "wrong password!", expect=401)
    login(web, other, "wrong password!", expect=401)
    answer = web.post("/login", data={"username": other, "password": PASSWORD,
                                      "csrf_token": web.cookies.get("righthand_login") or ""},
                      follow_redirects=False)
    assert answer.status_code == 429 and int(answer.headers["Retry-After"]) > 0


def test_a_success_resets_the_account_count(single_app, office, clock):
    web = client(single_app, WebSettings(login_max_failures=3))
    for _ in range(2):
        login(web, office.owner, "wrong password!", expect=401)
    clock.advance(seconds=1)
    login(web, office.owner)
    clock.advance(seconds=1)
    web.cookies.clear()
    for _ in range(2):
        login(web, office.owner, "wrong password!", expect=401)
    login(web, office.owner)


def test_two_step_sign_in(single_app, office, clock):
    web = client(single_app)
    login(web, office.owner)
    token = csrf(web, office.slug)
    start = web.post(f"/w/{office.slug}/settings/totp/start", data={"csrf_token": token})
    secret = start.text.split('name="secret" value="')[1].split('"')[0]
    code = pyotp.TOTP(secret).at(clock())
    assert web.post(f"/w/{office.slug}/settings/totp/confirm",
                    data={"csrf_token": token, "secret": secret, "code": "000000"}) \
        .status_code == 400
    on = web.post(f"/w/{office.slug}/settings/totp/confirm",
                  data={"csrf_token": token, "secret": secret, "code": code})
    assert "Two-step sign-in is on" in on.text

    fresh = client(single_app)
    form = fresh.get("/login")
    login_token = form.text.split('name="csrf_token" value="')[1].split('"')[0]
    step1 = fresh.post("/login", data={"username": office.owner, "password": PASSWORD,
                                       "csrf_token": login_token}, follow_redirects=False)
    assert step1.headers["location"].startswith("/login/totp")
    # half signed in: no page yet
    assert fresh.get(f"/w/{office.slug}/today", follow_redirects=False).status_code == 303
    page = fresh.get("/login/totp")
    partial = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    replay = fresh.post("/login/totp", data={"code": code, "csrf_token": partial},
                        follow_redirects=False)
    assert replay.status_code == 401  # the code that switched it on was used already
    clock.advance(seconds=30)
    good = fresh.post("/login/totp", data={"code": pyotp.TOTP(secret).at(clock()),
                                           "csrf_token": partial}, follow_redirects=False)
    assert good.status_code == 303
    assert fresh.get(f"/w/{office.slug}/today").status_code == 200


def test_api_tokens_have_scopes_and_are_hashed_at_rest(single_app, office):
    web = client(single_app)
    login(web, office.owner)
    token = csrf(web, office.slug)
    made = web.post(f"/w/{office.slug}/settings/tokens",
                    data={"csrf_token": token, "name": "phone", "scopes": ["read"]})
    raw = made.text.split('<code class="secret">')[1].split("<")[0]
    assert raw.startswith("rht_")
    with single_app.db.unit(None, write=False) as session:
        row = session.scalars(select(ApiToken).where(ApiToken.name == "phone")).one()
        assert row.token_hash != raw and raw not in (row.prefix * 2)
    api = client(single_app)
    bearer = {"Authorization": f"Bearer {raw}"}
    agenda = api.get("/api/agenda", headers=bearer)
    assert agenda.status_code == 200
    assert any("stand-up" in e["summary"] for e in agenda.json()["events"])
    me = api.get("/api/me", headers=bearer).json()
    assert me["scopes"] == ["read"] and me["via"] == "token"
    assert api.post("/api/ask", json={"text": "hello"}, headers=bearer).status_code == 403
    # no CSRF needed with a bearer token (no ambient credentials)
    ask_token = web.post(f"/w/{office.slug}/settings/tokens",
                         data={"csrf_token": token, "name": "bot", "scopes": ["read", "ask"]})
    raw_ask = ask_token.text.split('<code class="secret">')[1].split("<")[0]
    answer = api.post("/api/ask", json={"text": "What's waiting for me?"},
                      headers={"Authorization": f"Bearer {raw_ask}"})
    assert answer.status_code == 200 and answer.json()["intent"] == "assistant.approvals"
    with single_app.db.unit(None, write=False) as session:
        row_id = session.scalar(select(ApiToken.id).where(ApiToken.name == "phone"))
    web.post(f"/w/{office.slug}/settings/tokens/{row_id}/revoke", data={"csrf_token": token})
    assert api.get("/api/agenda", headers=bearer).status_code == 401


def test_staff_work_through_the_gate_and_are_named_in_the_audit_log(single_app, office):
    staff = add_user(single_app, unique("alice"), office.workspace_id, "staff")
    web = client(single_app)
    login(web, staff)
    token = csrf(web, office.slug)
    answer = web.post("/api/ask", json={"text": "Email Bob Miller that the keys are ready"},
                      headers={"X-CSRF-Token": token}).json()
    [action] = answer["actions"]
    assert action["decision"] == "ask"  # Phase II: email.send asks the client, whoever drafts
    approval = action["approval_id"]
    listing = web.get(f"/api/approvals/{approval}").json()
    assert listing["action"]["requested_by"] == f"staff:{staff}"
    refused = web.post(f"/api/approvals/{approval}/approve",
                       json={"payload_hash": listing["action"]["payload_hash"]},
                       headers={"X-CSRF-Token": token})
    assert refused.status_code == 403
    assert web.put("/api/job/phase", json={"phase": "III"},
                   headers={"X-CSRF-Token": token}).status_code == 403
    page = web.get(f"/w/{office.slug}/approvals")
    assert "Only the client decides on this." in page.text
    with single_app.db.unit(office.workspace_id, write=False) as session:
        actors = {e.event: e.actor for e in session.scalars(select(AuditEntry))
                  if e.actor.startswith("staff:")}
    assert actors.get("request.received") == f"staff:{staff}"
    assert actors.get("action.decided") == f"staff:{staff}"
    # a staff token can never carry the owner's scopes
    made = web.post(f"/w/{office.slug}/settings/tokens",
                    data={"csrf_token": token, "name": "x", "scopes": ["approve"]})
    assert made.status_code == 400


def test_password_change_signs_out_other_browsers(single_app, office):
    first, second = client(single_app), client(single_app)
    login(first, office.owner)
    login(second, office.owner)
    token = csrf(first, office.slug)
    new = "a brand new passphrase"
    changed = first.post(f"/w/{office.slug}/settings/password",
                         data={"csrf_token": token, "current": PASSWORD, "new": new,
                               "confirm": new})
    assert changed.status_code == 200 and "Password changed" in changed.text
    assert first.get(f"/w/{office.slug}/today").status_code == 200
    assert second.get(f"/w/{office.slug}/today", follow_redirects=False).status_code == 303
    # and the page this browser got carries the new session's CSRF token
    assert first.post(f"/w/{office.slug}/settings/totp/start",
                      data={"csrf_token": csrf(first, office.slug)}).status_code == 200
    with single_app.db.unit(None, write=False) as session:
        user = session.scalars(select(User).where(User.username == office.owner)).one()
        assert user.password_hash.startswith("$argon2id$")


def test_the_busiest_reads_still_record_use_of_the_session_and_the_token(single_app, office,
                                                                         clock):
    """The Today page and GET /api/agenda run on the event loop; the use they record (sliding
    the session's expiry, a token's last use) is written off it, at most every few minutes."""
    web = client(single_app)
    login(web, office.owner)
    raw = web.post(f"/w/{office.slug}/settings/tokens",
                   data={"csrf_token": csrf(web, office.slug), "name": "feed",
                         "scopes": ["read"]}).text.split('<code class="secret">')[1].split("<")[0]
    api = client(single_app)
    assert api.get("/api/agenda", headers={"Authorization": f"Bearer {raw}"}).status_code == 200

    def seen() -> tuple[object, object]:
        with single_app.db.unit(None, write=False) as session:
            return (session.scalar(select(WebSession.last_seen_at)
                                   .order_by(WebSession.id.desc())),
                    session.scalar(select(ApiToken.last_used_at)
                                   .where(ApiToken.name == "feed")))

    first_session, first_token = seen()
    assert first_token == clock()
    clock.advance(minutes=10)
    assert web.get(f"/w/{office.slug}/today").status_code == 200
    assert api.get("/api/agenda", headers={"Authorization": f"Bearer {raw}"}).status_code == 200
    assert seen() == (clock(), clock()) != (first_session, first_token)
