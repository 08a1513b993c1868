"""A workspace's own calendar server (Settings -> Connections), against real Radicale servers
with logins: the password is stored sealed and never shown back, "Test connection" says
"login" for a wrong password and "Works" for the right one, the private-address rules apply
to the address a client typed, and each workspace syncs with its own server while another
keeps the administrator's RIGHTHAND_CALDAV_URL."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text

from righthand import netguard
from righthand.errors import BadCredentials, BadInput
from righthand.policy.duties import Phase
from righthand.service import calendar_accounts, job_runs, jobs
from righthand.store.tables import AuditEntry, CalDavAccount, CalendarSource, EventRow
from tests.conftest import new_workspace
from tests.integration.test_caldav_sync import Radicale, _event
from tests.support.databases import table_as_migrated
from tests.support.servers import need
from tests.support.web import client, csrf, login, seed_demo

SECRET = "cal-hunter2-very-secret"


class LoginRadicale(Radicale):
    """A throwaway Radicale that wants a login (htpasswd, plain) with one calendar."""

    def __init__(self, folder: Path, user: str, password: str) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        super().__init__(folder)
        self.user, self.password = user, password
        users = folder / "users"
        users.write_text(f"{user}:{password}\n")
        self.config.write_text(
            f"[server]\nhosts = 127.0.0.1:{self.port}\n"
            f"[auth]\ntype = htpasswd\nhtpasswd_filename = {users}\n"
            "htpasswd_encryption = plain\n"
            f"[storage]\nfilesystem_folder = {folder / 'collections'}\n"
            "[logging]\nlevel = error\n")

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}/{self.user}/"

    @property
    def url(self) -> str:  # as the administrator writes it in RIGHTHAND_CALDAV_URL
        return f"http://{self.user}:{self.password}@127.0.0.1:{self.port}/{self.user}/"

    def make_calendar(self) -> None:
        from caldav.davclient import DAVClient

        dav = DAVClient(url=self.base, username=self.user, password=self.password)
        dav.request(self.base, "MKCOL", "")
        made = dav.request(f"{self.base}work/", "MKCALENDAR", "")
        assert made.status in {200, 201}, made.status

    def put(self, name: str, body: str) -> None:
        from caldav.davclient import DAVClient

        dav = DAVClient(url=self.base, username=self.user, password=self.password)
        answer = dav.request(f"{self.base}work/{name}", "PUT", body,
                             {"Content-Type": "text/calendar; charset=utf-8",
                              "If-None-Match": "*"})
        assert answer.status in {200, 201, 204}, answer.status


def _started(folder: Path, user: str, password: str):
    server = LoginRadicale(folder, user, password)
    need(server.start(), "Radicale did not start (pip install -e '.[dev]')")
    server.make_calendar()
    return server


@pytest.fixture
def office_server(tmp_path):
    server = _started(tmp_path / "office", "sam", SECRET)
    yield server
    server.stop()


@pytest.fixture
def admin_server(tmp_path):
    server = _started(tmp_path / "admin", "pat", "admin-pass")
    yield server
    server.stop()


@pytest.fixture
def office(single_app, monkeypatch):
    return seed_demo(single_app, monkeypatch, Phase.II)


@pytest.fixture
def owner(single_app, office):
    web = client(single_app)
    login(web, office.owner)
    web.headers["X-CSRF-Token"] = csrf(web, office.slug)
    return web


def _save(web, slug: str, **fields: str):
    return web.post(f"/w/{slug}/settings/connections/calendar",
                    data={"url": "", "username": "", "password": "", **fields})


def _test(web, slug: str) -> str:
    answer = web.post(f"/w/{slug}/settings/connections/test", data={"which": "caldav"})
    assert answer.status_code == 200, answer.text[-800:]
    start = answer.text.index('id="test-caldav"')
    return answer.text[start:start + 1500]


def test_saved_on_the_page_sealed_and_never_shown(single_app, office, owner):
    slug = office.slug
    saved = _save(owner, slug, url="https://dav.example.com/cal/sam/", username="sam",
                  password=SECRET)
    assert saved.status_code == 200, saved.text[-800:]
    page = saved.text
    assert SECRET not in page and "Calendar server saved" in page
    assert 'value="https://dav.example.com/cal/sam/"' in page and "as sam" in page
    assert "Calendar password (set; empty keeps it)" in page
    for field in ("c-url", "c-username", "c-password"):  # every field has its label
        assert f'<label for="{field}">' in page and f'id="{field}"' in page
    with single_app.db.unit(office.workspace_id, write=False) as session:
        raw = session.execute(text("SELECT password FROM caldav_accounts WHERE workspace_id "
                                   "= :w"), {"w": office.workspace_id}).scalar_one()
        assert raw.startswith("rh1:") and SECRET not in raw
        entries = session.scalars(select(AuditEntry).where(
            AuditEntry.event == "calendar.account_saved")).all()
    assert entries and entries[-1].actor.startswith("client:")
    assert entries[-1].data["password_changed"] is True
    assert all(SECRET not in str(e.data) for e in entries)

    # an empty password keeps the stored one; the user name and address change
    again = _save(owner, slug, url="https://dav2.example.com/cal/sam/", username="sammy").text
    assert SECRET not in again and "(set; empty keeps it)" in again
    with single_app.db.unit(office.workspace_id, write=False) as session:
        row = calendar_accounts.account(session)
        assert row is not None and (row.url, row.username, row.password) == \
            ("https://dav2.example.com/cal/sam/", "sammy", SECRET)
        assert SECRET not in repr(row)

    # credentials inside the address are refused (they belong in their own fields)
    bad = _save(owner, slug, url="https://sam:pw@dav.example.com/cal/", username="sam")
    assert bad.status_code == 400 and "user name or password" in bad.text
    assert _save(owner, slug, url="ftp://dav.example.com/").status_code == 400

    # an empty address removes the account (back to the administrator's, here none)
    gone = _save(owner, slug).text
    assert "No calendar server of your own" in gone and "No calendar server:" in gone
    with single_app.db.unit(office.workspace_id, write=False) as session:
        assert calendar_accounts.account(session) is None


def test_the_test_button_uses_the_workspaces_server(single_app, office, owner, office_server,
                                                     admin_server, monkeypatch):
    slug = office.slug
    # nothing configured anywhere
    assert "no calendar server is configured" in _test(owner, slug)

    # the administrator's server, as before
    single_app.settings = replace(single_app.settings, caldav_url=admin_server.url)
    page = owner.get(f"/w/{slug}/settings/connections").text
    assert "the administrator's calendar server" in page and "admin-pass" not in page
    monkeypatch.setenv(netguard.ALLOWLIST_ENV, "127.0.0.1/32")
    assert "Works" in _test(owner, slug)

    # the workspace's own: a private address is refused unless the administrator allows it
    _save(owner, slug, url=office_server.base, username="sam", password="wrong-password")
    monkeypatch.delenv(netguard.ALLOWLIST_ENV)
    blocked = _test(owner, slug)
    assert "Failed (private address)" in blocked and netguard.ALLOWLIST_ENV in blocked
    monkeypatch.setenv(netguard.ALLOWLIST_ENV, "127.0.0.1/32")
    failed = _test(owner, slug)
    assert "Failed (login)" in failed and "sam" in failed and "wrong-password" not in failed
    page = _save(owner, slug, url=office_server.base, username="sam", password=SECRET).text
    assert "your calendar server" in page and SECRET not in page
    works = _test(owner, slug)
    assert "Works" in works and str(office_server.port) in works and SECRET not in works


def test_each_workspace_syncs_with_its_own_server(app, office_server, admin_server,
                                                  monkeypatch):
    """On both databases (the PostgreSQL one is shared: only these workspaces are synced)."""
    app.settings = replace(app.settings, caldav_url=admin_server.url)
    own_ws, other_ws = new_workspace(app, Phase.III), new_workspace(app, Phase.III)
    now = app.clock()
    office_server.put("o.ics", _event("office@t", "Office meeting", now + timedelta(days=1)))
    admin_server.put("a.ics", _event("admin@t", "Admin meeting", now + timedelta(days=2)))
    with app.db.unit(own_ws) as session:
        calendar_accounts.save(session, own_ws, office_server.base, "sam", SECRET, now,
                               "client:test")

    # a client-typed private address is refused before anything is sent; the administrator's
    # (their own choice) is not checked
    monkeypatch.delenv(netguard.ALLOWLIST_ENV, raising=False)
    with pytest.raises(BadInput, match="not public") as refused:
        app.dispatcher().sync_calendars(own_ws)
    assert SECRET not in str(refused.value)
    assert _summaries(app, own_ws) == set()
    assert not app.dispatcher().sync_calendars(other_ws).errors
    assert _summaries(app, other_ws) == {"Admin meeting"}

    monkeypatch.setenv(netguard.ALLOWLIST_ENV, "127.0.0.1/32")
    report = app.dispatcher().sync_calendars(own_ws)
    assert not report.errors and report.pulled == 1, report.errors
    assert _summaries(app, own_ws) == {"Office meeting"}
    with app.db.unit(own_ws, write=False) as session:
        [source] = session.scalars(select(CalendarSource)).all()
        assert source.url.startswith(f"http://127.0.0.1:{office_server.port}/")

    # the worker's job for one workspace resolves the same way
    office_server.put("o2.ics", _event("office2@t", "Second", now + timedelta(days=3)))
    admin_server.put("a2.ics", _event("admin2@t", "Admin second", now + timedelta(days=3)))
    assert jobs.CALENDAR_SYNC in jobs.schedules(app)
    period = job_runs.period_of(now, 15)
    assert jobs.run_claimed(app, jobs.CALENDAR_SYNC, own_ws, period)
    assert jobs.run_claimed(app, jobs.CALENDAR_SYNC, other_ws, period)
    assert _summaries(app, own_ws) == {"Office meeting", "Second"}
    assert _summaries(app, other_ws) == {"Admin meeting", "Admin second"}

    # a wrong password is that workspace's failure only
    with app.db.unit(own_ws) as session:
        calendar_accounts.save(session, own_ws, office_server.base, "sam", "wrong", now)
    with pytest.raises(BadCredentials):
        app.dispatcher().sync_calendars(own_ws)
    assert not app.dispatcher().sync_calendars(other_ws).errors


def test_a_sync_of_every_workspace_reports_each_failure_and_goes_on(single_app, office_server,
                                                                    admin_server, monkeypatch):
    single_app.settings = replace(single_app.settings, caldav_url=admin_server.url)
    own_ws, other_ws = new_workspace(single_app, Phase.III), new_workspace(single_app, Phase.III)
    now = single_app.clock()
    office_server.put("o.ics", _event("office@t", "Office meeting", now + timedelta(days=1)))
    admin_server.put("a.ics", _event("admin@t", "Admin meeting", now + timedelta(days=2)))
    with single_app.db.unit(own_ws) as session:
        calendar_accounts.save(session, own_ws, office_server.base, "sam", SECRET, now)
    report = single_app.dispatcher().sync_calendars()  # `righthand calendar sync`
    assert len(report.errors) == 1 and f"workspace {own_ws}" in report.errors[0]
    assert "not public" in report.errors[0] and SECRET not in report.errors[0]
    assert _summaries(single_app, other_ws) == {"Admin meeting"}
    monkeypatch.setenv(netguard.ALLOWLIST_ENV, "127.0.0.1/32")
    report = single_app.dispatcher().sync_calendars()
    assert not report.errors, report.errors
    assert _summaries(single_app, own_ws) == {"Office meeting"}
    assert _summaries(single_app, other_ws) == {"Admin meeting"}


def test_the_sync_is_scheduled_for_a_workspaces_own_server_alone(single_app, office_server,
                                                                 monkeypatch):
    assert single_app.settings.caldav_url is None
    assert jobs.CALENDAR_SYNC not in jobs.schedules(single_app)
    ws = new_workspace(single_app, Phase.III)
    with single_app.db.unit(ws) as session:
        calendar_accounts.save(session, ws, office_server.base, "sam", SECRET,
                               single_app.clock())
    assert jobs.CALENDAR_SYNC in jobs.schedules(single_app)
    other = new_workspace(single_app, Phase.III)
    monkeypatch.setenv(netguard.ALLOWLIST_ENV, "127.0.0.1/32")
    office_server.put("o.ics", _event("office@t", "Office meeting",
                                      single_app.clock() + timedelta(days=1)))
    report = single_app.dispatcher().sync_calendars()
    assert not report.errors and report.pulled == 1
    assert _summaries(single_app, ws) == {"Office meeting"}
    assert _summaries(single_app, other) == set()  # no server: nothing synced, no error


def test_a_changed_server_never_gets_the_old_servers_calendars(single_app, office_server,
                                                               admin_server, monkeypatch):
    """Calendars of the previous server are left alone: the new login is not sent there."""
    monkeypatch.setenv(netguard.ALLOWLIST_ENV, "127.0.0.1/32")
    ws = new_workspace(single_app, Phase.III)
    now = single_app.clock()
    admin_server.put("a.ics", _event("admin@t", "Admin meeting", now + timedelta(days=2)))
    with single_app.db.unit(ws) as session:
        calendar_accounts.save(session, ws, admin_server.base, "pat", "admin-pass", now)
    assert not single_app.dispatcher().sync_calendars(ws).errors
    with single_app.db.unit(ws) as session:
        calendar_accounts.save(session, ws, office_server.base, "sam", SECRET, now)
    report = single_app.dispatcher().sync_calendars(ws)
    assert not report.errors, report.errors
    with single_app.db.unit(ws, write=False) as session:
        urls = sorted(s.url for s in session.scalars(select(CalendarSource)))
    assert len(urls) == 2  # the old one is kept, not synced with the new login


def _summaries(application, workspace_id: int) -> set[str]:
    with application.db.unit(workspace_id, write=False) as session:
        return set(session.scalars(select(EventRow.summary)))


def test_the_migration_makes_what_the_model_says(db_url):
    table = table_as_migrated(db_url, "caldav_accounts")
    columns = table.columns
    assert table.diffs == []
    assert not columns["url"]["nullable"] and columns["password"]["nullable"]
    assert CalDavAccount.__table__.c.password.type.__class__.__name__ == "Sealed"
