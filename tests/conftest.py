"""Shared fixtures: databases (SQLite always, PostgreSQL when reachable), a clock, the app.

Every test that touches a database runs on both SQLite and PostgreSQL:

* tests taking ``db_url`` / ``app`` are parametrized: each run runs them on both;
* tests taking ``single_url`` / ``single_app`` run on the *pass's* database: SQLite by default,
  PostgreSQL when ``RIGHTHAND_TEST_DATABASE=postgresql`` (a fresh database cloned from a
  migrated template for each test). ``scripts/test.sh`` runs that second pass after the first
  whenever PostgreSQL is reachable; it then selects only those tests (the rest ran on both
  already, or touch no database, or are about SQLite itself, such as the disk-full tests).
"""

from __future__ import annotations

import itertools
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from righthand.bootstrap import App, build
from righthand.config import Settings
from righthand.policy.duties import Phase
from righthand.service import workspaces
from righthand.store.db import make_engine, migrate
from righthand.store.tables import Workspace
from tests.support.clock import FakeClock
from tests.support.databases import new_postgres
from tests.support.servers import POSTGRES_URL, need, postgres_reachable

_counter = itertools.count(1)

# The database of this pass for the tests that run on one database at a time.
PASS_DATABASE = os.environ.get("RIGHTHAND_TEST_DATABASE", "sqlite")
if PASS_DATABASE not in ("sqlite", "postgresql"):
    raise pytest.UsageError(f"RIGHTHAND_TEST_DATABASE={PASS_DATABASE!r}: use sqlite or "
                            "postgresql")
SINGLE_DATABASE_FIXTURES = frozenset({"single_url", "single_app"})


def pytest_report_header(config: pytest.Config) -> str:
    """Say which database the single-database tests use in this pass."""
    return f"righthand: single-database tests run on {PASS_DATABASE}"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """In the PostgreSQL pass, keep only the tests that run on the pass's database."""
    if PASS_DATABASE != "postgresql":
        return
    keep = [i for i in items if SINGLE_DATABASE_FIXTURES & set(getattr(i, "fixturenames", ()))]
    dropped = [i for i in items if i not in keep]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep


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


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str | None]:
    """A fresh, migrated PostgreSQL database for this test session (None when unreachable)."""
    if not postgres_reachable():
        yield None
        return
    with new_postgres("righthand_test", migrated=True) as (url, _name):
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> str:
    """A migrated database URL: every test using it runs on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        path = tmp_path / "righthand.db"
        shutil.copy(sqlite_template, path)
        return f"sqlite:///{path}"
    url: str | None = request.getfixturevalue("postgres_database")
    need(url is not None, f"PostgreSQL is not reachable at {POSTGRES_URL}")
    assert url is not None
    return url


@pytest.fixture
def sqlite_url(tmp_path: Path, sqlite_template: Path) -> str:
    """A migrated SQLite database, for the tests that are about SQLite itself (its write
    lock, its file on a full disk); they run in the first pass only."""
    path = tmp_path / "righthand.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str]:
    """A migrated PostgreSQL database to clone for each test of the PostgreSQL pass (one per
    test process); yields its name."""
    need(postgres_reachable(), f"PostgreSQL is not reachable at {POSTGRES_URL}")
    with new_postgres("righthand_tmpl", migrated=True) as (_url, name):
        yield name


@pytest.fixture
def single_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path
               ) -> Iterator[str]:
    """A migrated database of this pass's kind, new for this test: a SQLite file, or a
    PostgreSQL database cloned from the template (``RIGHTHAND_TEST_DATABASE=postgresql``)."""
    if PASS_DATABASE == "sqlite":
        path = tmp_path / "righthand.db"
        shutil.copy(sqlite_template, path)
        yield f"sqlite:///{path}"
        return
    template = request.getfixturevalue("postgres_template")
    with new_postgres("righthand_t", template=template) as (url, _name):
        yield url


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
def single_app(single_url: str, tmp_path: Path, clock: FakeClock) -> Iterator[App]:
    """The assembled app on this pass's database (see the module's docstring)."""
    application = build(make_settings(tmp_path, single_url), clock=clock)
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
