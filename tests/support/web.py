"""Helpers for the web console's tests: workspaces with data, users, signing in."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from fastapi.testclient import TestClient

from righthand.bootstrap import App
from righthand.policy.duties import Phase
from righthand.service import demo, workspaces
from righthand.store.tables import Workspace
from righthand.web import accounts, passwords
from righthand.web.app import create_app
from righthand.web.settings import WebSettings

PASSWORD = "correct horse battery staple"
# Argon2's production cost is ~0.5 s per hash on this machine; the tests sign in often.
passwords.set_cost(time_cost=1, memory_cost=8, parallelism=1)
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass(frozen=True)
class Seeded:
    """A demo workspace made for one test, with its owner."""

    workspace_id: int
    slug: str
    owner: str


def unique(prefix: str) -> str:
    """A name no other test (or xdist worker, or shared PostgreSQL session) uses."""
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def seed_demo(application: App, monkeypatch, phase: Phase = Phase.II,
              slug: str | None = None) -> Seeded:
    """The demo office under a unique name (the shared PostgreSQL database stays untouched),
    with its owner signed up."""
    name = slug or unique("demo")
    monkeypatch.setattr(demo, "SLUG", name)
    with application.db.unit(None) as session:
        ws = demo.seed(session, application.catalog, application.clock(), phase)
        workspace_id = ws.id
    owner = add_user(application, unique("owner"), workspace_id, "owner")
    return Seeded(workspace_id, name, owner)


def add_user(application: App, username: str, workspace_id: int | None, role: str = "owner",
             password: str = PASSWORD) -> str:
    """A user (member of ``workspace_id`` with ``role``); returns the username."""
    with application.db.unit(None) as session:
        user = accounts.create(session, username, password, application.clock(),
                               display_name=username.split("-", maxsplit=1)[0].title())
        if workspace_id is not None:
            ws = session.get(Workspace, workspace_id)
            assert ws is not None
            accounts.add_member(session, user, ws, role, application.clock(), "admin:test")
    return username


def client(application: App, settings: WebSettings | None = None) -> TestClient:
    """A test client of the web app (its own cookie jar)."""
    return TestClient(create_app(application, settings or WebSettings()),
                      base_url="http://testserver")


def login(web: TestClient, username: str, password: str = PASSWORD,
          expect: int = 303) -> None:
    """Sign in through the form (with its login CSRF token)."""
    form = web.get("/login")
    token = _CSRF.search(form.text)
    assert token, form.text
    answer = web.post("/login", data={"username": username, "password": password,
                                      "csrf_token": token.group(1), "next": "/"},
                      follow_redirects=False)
    assert answer.status_code == expect, answer.text


def csrf(web: TestClient, slug: str) -> str:
    """The session's CSRF token, as a page hands it out."""
    page = web.get(f"/w/{slug}/settings")
    assert page.status_code == 200, page.text
    found = _CSRF.search(page.text)
    assert found
    return found.group(1)


def signed_in(application: App, username: str, slug: str) -> TestClient:
    """A client signed in as ``username``, sending the CSRF token of workspace ``slug`` (as the
    pages' htmx requests do)."""
    web = client(application)
    login(web, username)
    web.headers["X-CSRF-Token"] = csrf(web, slug)
    return web


def set_phase(application: App, workspace: int, phase: Phase) -> None:
    """Switch a workspace to a phase preset."""
    with application.db.unit(workspace) as session:
        ws = session.get(Workspace, workspace)
        assert ws is not None
        workspaces.set_phase(session, ws, phase, application.catalog, application.clock())
