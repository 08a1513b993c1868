"""RFC 8058 one-click unsubscribe through the real FastAPI router; signed links that cannot be
forged and do expire; the double opt-in confirmation link; the installation's secret."""

from __future__ import annotations

import os
import stat
from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from righthand.config import Settings, load_settings
from righthand.duties.lists.unsubscribe_tokens import (
    CONFIRM,
    ExpiredToken,
    InvalidToken,
    link,
    make_token,
    unsubscribe_headers,
    verify_token,
)
from righthand.errors import BadInput
from righthand.service import audit
from righthand.store.tables import AuditEntry
from righthand.web.unsubscribe import unsubscribe_router
from tests.conftest import new_workspace
from tests.support.contacts import import_bytes, make_list, state_on

BASE = "https://office.harbourpine.example"
PEOPLE = (b"name,email\nAnn Able,ann@example.com\nBob Chen,bob@example.net\n"
          b"Cat Cole,cat@example.com\n")


@pytest.fixture
def web(app):
    api = FastAPI()
    api.include_router(unsubscribe_router(app))
    return TestClient(api)


def _token_path(url: str) -> str:
    return url.removeprefix(BASE)


def test_headers_of_every_mailing(app, clock):
    headers = unsubscribe_headers(app.settings, 7, 3, "Ann@Example.com", BASE + "/", clock())
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    url = headers["List-Unsubscribe"]
    assert url.startswith(f"<{BASE}/unsubscribe/") and url.endswith(">")
    token = url[1:-1].rsplit("/", 1)[1]
    data = verify_token(app.settings.secret_key, token, clock())
    assert (data.workspace_id, data.list_id, data.address) == (7, 3, "ann@example.com")
    with pytest.raises(BadInput, match="not an http"):
        unsubscribe_headers(app.settings, 7, 3, "a@example.com", "office.example", clock())


def test_one_click_unsubscribes(app, web, clock):
    ws = new_workspace(app)
    newsletter = make_list(app, ws)
    import_bytes(app, ws, PEOPLE, "people.csv", list_name="newsletter")
    url = link(app.settings, ws, newsletter, "ann@example.com", BASE, now=clock())

    page = web.get(_token_path(url))
    assert page.status_code == 200 and "a***@example.com" in page.text
    assert 'name=List-Unsubscribe value=One-Click' in page.text
    assert state_on(app, ws, newsletter, "ann@example.com") == "confirmed"  # GET changes nothing

    clock.advance(days=20)
    done = web.post(_token_path(url), content="List-Unsubscribe=One-Click",
                    headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert done.status_code == 200 and "unsubscribed" in done.text
    assert state_on(app, ws, newsletter, "ann@example.com") == "unsubscribed"
    again = web.post(_token_path(url), data={"List-Unsubscribe": "One-Click"})
    assert again.status_code == 200  # idempotent
    assert state_on(app, ws, newsletter, "bob@example.net") == "confirmed"
    with app.db.unit(ws, write=False) as session:
        entries = session.scalars(select(AuditEntry).where(
            AuditEntry.event == "list.unsubscribed")).all()
        assert [e.actor for e in entries] == ["recipient", "recipient"]
        assert entries[0].data["via"] == "one-click" and not entries[0].data["already"]
        assert entries[1].data["already"]
        assert audit.verify(session, ws).ok


def test_multipart_body_and_unsubscribe_from_everything(app, web, clock):
    ws = new_workspace(app)
    newsletter = make_list(app, ws)
    buyers = make_list(app, ws, "buyers", "Buyer alerts")
    import_bytes(app, ws, PEOPLE, "people.csv", list_name="newsletter")
    import_bytes(app, ws, PEOPLE, "people.csv", list_name="buyers")
    url = link(app.settings, ws, newsletter, "bob@example.net", BASE, now=clock())
    multipart = web.post(_token_path(url), files={"List-Unsubscribe": (None, "One-Click")})
    assert multipart.status_code == 200
    assert state_on(app, ws, newsletter, "bob@example.net") == "unsubscribed"
    assert state_on(app, ws, buyers, "bob@example.net") == "confirmed"

    url = link(app.settings, ws, newsletter, "cat@example.com", BASE, now=clock())
    everything = web.post(_token_path(url), data={"List-Unsubscribe": "One-Click",
                                                  "scope": "all"})
    assert everything.status_code == 200 and "all mailings" in everything.text
    assert state_on(app, ws, buyers, "cat@example.com") == "unsubscribed"
    from righthand.duties.lists.suppression import find

    with app.db.unit(ws, write=False) as session:
        assert find(session, "cat@example.com").reason == "unsubscribed"


def test_someone_no_longer_known_is_suppressed_anyway(app, web, clock):
    ws = new_workspace(app)
    newsletter = make_list(app, ws)
    url = link(app.settings, ws, newsletter, "gone@example.com", BASE, now=clock())
    assert web.post(_token_path(url), data={"List-Unsubscribe": "One-Click"}).status_code == 200
    from righthand.duties.lists.suppression import find

    with app.db.unit(ws, write=False) as session:
        assert find(session, "gone@example.com") is not None


def test_forged_expired_and_malformed_requests_are_refused(app, web, clock):
    ws = new_workspace(app)
    newsletter = make_list(app, ws)
    import_bytes(app, ws, PEOPLE, "people.csv", list_name="newsletter")
    good = _token_path(link(app.settings, ws, newsletter, "ann@example.com", BASE, now=clock()))
    forged = _token_path(link("another installation's secret!", ws, newsletter,
                              "ann@example.com", BASE, now=clock()))
    body = {"List-Unsubscribe": "One-Click"}
    assert web.post(forged, data=body).status_code == 400
    assert web.get(forged).status_code == 400
    mac = good.rpartition(".")[2]
    other = make_token(app.settings, ws, newsletter, "bob@example.net", now=clock())
    spliced = f"/unsubscribe/{other.split('.')[0]}.{mac}"  # Bob's data, Ann's signature
    assert web.post(spliced, data=body).status_code == 400
    assert web.post("/unsubscribe/garbage", data=body).status_code == 400
    nowhere = _token_path(link(app.settings, 999_999, 1, "ann@example.com", BASE, now=clock()))
    assert web.post(nowhere, data=body).status_code == 404
    assert web.get(nowhere).status_code == 404
    assert web.post(good, data={"List-Unsubscribe": "yes"}).status_code == 400
    assert web.post(good).status_code == 400
    assert state_on(app, ws, newsletter, "ann@example.com") == "confirmed"
    assert state_on(app, ws, newsletter, "bob@example.net") == "confirmed"

    clock.advance(days=366)
    expired = web.post(good, data=body)
    assert expired.status_code == 410 and "expired" in expired.text
    assert state_on(app, ws, newsletter, "ann@example.com") == "confirmed"
    with pytest.raises(ExpiredToken):
        verify_token(app.settings, good.rsplit("/", 1)[1], clock())
    confirm = make_token(app.settings, ws, newsletter, "ann@example.com", CONFIRM, clock())
    with pytest.raises(InvalidToken):  # a confirmation link is not an unsubscribe link
        verify_token(app.settings, confirm, clock())
    future = make_token(app.settings, ws, newsletter, "ann@example.com",
                        now=clock() + timedelta(days=2))
    with pytest.raises(InvalidToken):
        verify_token(app.settings, future, clock())


def test_double_opt_in_confirmation_link(app, web, clock):
    ws = new_workspace(app)
    buyers = make_list(app, ws, "buyers", "Buyer alerts", "double")
    import_bytes(app, ws, PEOPLE, "people.csv", list_name="buyers")
    assert state_on(app, ws, buyers, "ann@example.com") == "unconfirmed"
    url = link(app.settings, ws, buyers, "ann@example.com", BASE, CONFIRM, clock())
    assert "/confirm/" in url
    assert web.get(_token_path(url)).status_code == 200
    assert state_on(app, ws, buyers, "ann@example.com") == "unconfirmed"
    assert web.post(_token_path(url)).status_code == 200
    assert state_on(app, ws, buyers, "ann@example.com") == "confirmed"
    unsubscribed = link(app.settings, ws, buyers, "bob@example.net", BASE, now=clock())
    web.post(_token_path(unsubscribed), data={"List-Unsubscribe": "One-Click"})
    late = link(app.settings, ws, buyers, "bob@example.net", BASE, CONFIRM, clock())
    assert web.post(_token_path(late)).status_code == 409  # an old click never re-subscribes
    assert state_on(app, ws, buyers, "bob@example.net") == "unsubscribed"


def test_the_secret_key(tmp_path):
    settings = Settings(data_dir=tmp_path / "data", database_url="sqlite://")
    key = settings.secret_key
    path = tmp_path / "data" / "secret.key"
    assert len(key) >= 32 and path.read_text().strip() == key
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert Settings(data_dir=tmp_path / "data", database_url="sqlite://").secret_key == key
    from_env = load_settings({"RIGHTHAND_HOME": str(tmp_path / "other"),
                              "RIGHTHAND_SECRET_KEY": "s" * 40})
    assert from_env.secret_key == "s" * 40 and not (tmp_path / "other" / "secret.key").exists()
    with pytest.raises(BadInput, match="shorter"):
        _ = load_settings({"RIGHTHAND_HOME": str(tmp_path), "RIGHTHAND_SECRET_KEY": "x"}) \
            .secret_key
