"""Shared fixtures: databases (SQLite always, PostgreSQL when reachable), a clock, the app."""

from __future__ import annotations

import itertools
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from righthand.bootstrap import App, build
from righthand.config import Settings
from righthand.policy.duties import Phase
from righthand.service import workspaces
from righthand.store.db import make_engine, migrate
from righthand.store.tables import Workspace
from tests.support.clock import FakeClock
from tests.support.servers import POSTGRES_URL, need

_counter = itertools.count(1)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test (migrating once is much faster)."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


def _postgres_available() -> bool:
    try:
        engine = create_engine(POSTGRES_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
        return True
    except Exception:
        return False


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str | None]:
    """A fresh, migrated PostgreSQL database for this test session (None when unreachable)."""
    if not _postgres_available():
        yield None
        return
    name = f"righthand_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = POSTGRES_URL.rsplit("/", 1)[0] + f"/{name}"
    engine = make_engine(url)
    migrate(engine)
    engine.dispose()
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> str:
    """A migrated database URL: every test using it runs on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        path = tmp_path / "righthand.db"
        shutil.copy(sqlite_template, path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("postgres_database")
    need(url is not None, f"PostgreSQL is not reachable at {POSTGRES_URL}")
    assert url is not None
    return url


@pytest.fixture
def sqlite_url(tmp_path: Path, sqlite_template: Path) -> str:
    """A migrated SQLite database only (for tests that are about something else)."""
    path = tmp_path / "righthand.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def clock() -> FakeClock:
    """A hand-moved clock starting 2026-11-26 15:00 UTC (10:00 in New York)."""
    return FakeClock()


def make_settings(tmp_path: Path, url: str, **extra: object) -> Settings:
    """Settings pointing at ``url`` with a private data folder."""
    return Settings(data_dir=tmp_path / "data", database_url=url, **extra)  # type: ignore[arg-type]


@pytest.fixture
def app(db_url: str, tmp_path: Path, clock: FakeClock) -> Iterator[App]:
    """The assembled app on each database."""
    application = build(make_settings(tmp_path, db_url), clock=clock)
    yield application
    application.db.dispose()


@pytest.fixture
def lite_app(sqlite_url: str, tmp_path: Path, clock: FakeClock) -> Iterator[App]:
    """The assembled app on SQLite only."""
    application = build(make_settings(tmp_path, sqlite_url), clock=clock)
    yield application
    application.db.dispose()


def new_workspace(application: App, phase: Phase = Phase.I, timezone: str = "America/New_York",
                  client: str = "Pat Lee") -> int:
    """Create a uniquely named workspace; returns its id."""
    slug = f"ws-{os.getpid()}-{next(_counter)}-{uuid.uuid4().hex[:6]}"
    with application.db.unit(None) as session:
        ws: Workspace = workspaces.create(session, slug=slug, client_name=client,
                                          assistant_name="Jane", timezone=timezone, phase=phase,
                                          catalog=application.catalog, now=application.clock())
        return ws.id


def workspace_slug(application: App, workspace_id: int) -> str:
    """The slug of a workspace id."""
    with application.db.unit(None, write=False) as session:
        ws = session.get(Workspace, workspace_id)
        assert ws is not None
        return ws.slug
