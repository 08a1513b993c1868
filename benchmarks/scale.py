"""Scale: how many periodic jobs per second 1, 2 and 4 ``righthand worker`` processes handle
for an installation of many workspaces (issue 9).

Setup: a fresh PostgreSQL database on loopback and the Redis on loopback (RedisHuey), as in a
multi-machine deployment. WORKSPACES (default 1,000) workspaces with realistic data: each is the
demo office (an estate agent's contacts, lists, calendar, deals, supplies, reminders -- the same
data `righthand demo` seeds; one seeded, the rest copied in bulk with SQL) under its own name,
in Phase III so every duty's job is due.

Each round queues one period of every periodic job of every workspace (the tasks every
worker's scheduler would enqueue: WORKSPACES x jobs runs), starts N worker processes (each what
``righthand worker --no-scheduler`` runs: a Huey consumer with 2 threads and the dispatcher
loop) and counts the runs claimed and done (``job_runs``) in a window of ROUND_SECONDS (default
60) that opens with the first finished run, so process start-up is not counted; it closes
early when every run is done. Each round uses its own period, so nothing is skipped as done.
All figures depend on the machine: run it on an otherwise idle one.

    python benchmarks/scale.py            # WORKSPACES=1000
    WORKSPACES=100 python benchmarks/scale.py

Last line: {"workspaces": N, "jobs_per_s": {"1": A, "2": B, "4": C}}
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "src")]

from sqlalchemy import Integer, MetaData, String, func, inspect, select, text  # noqa: E402
from tests.support.fleet import Fleet, fresh_postgres  # noqa: E402
from tests.support.servers import POSTGRES_URL, REDIS_URL, port_open  # noqa: E402

from righthand.bootstrap import App, build  # noqa: E402
from righthand.config import Settings  # noqa: E402
from righthand.policy.duties import Phase  # noqa: E402
from righthand.service import demo, jobs  # noqa: E402
from righthand.store.db import make_engine  # noqa: E402
from righthand.store.tables import JobRun, Workspace  # noqa: E402

REDIS_DB_URL = REDIS_URL.rsplit("/", 1)[0] + "/11"  # the benchmark's own queue database
T0 = datetime(2031, 3, 3, tzinfo=UTC)  # a midnight: every job's period boundary


def _settings(url: str, home: Path) -> Settings:
    return Settings(data_dir=home, database_url=url, redis_url=REDIS_DB_URL)


def seed(url: str, home: Path, count: int) -> None:
    """``count`` demo offices: one seeded as `righthand demo` does, then copied in bulk with
    SQL (every row of every workspace table, ids shifted per copy, unique names suffixed), since
    seeding each one through the app would take an hour at this size."""
    app = build(_settings(url, home))
    with app.db.unit(None) as session:
        source = demo.seed(session, app.catalog, app.clock(), phase=Phase.III).id
    app.db.dispose()
    if count > 1:
        _clone(url, source, count - 1)


def _clone(url: str, source: int, copies: int) -> None:
    """Copy workspace ``source`` ``copies`` times (PostgreSQL: generate_series)."""
    engine = make_engine(url)
    meta = MetaData()
    meta.reflect(engine)
    inspector = inspect(engine)
    with engine.begin() as conn:
        shift = 1 + max(conn.execute(text(f'SELECT coalesce(max(id), 0) FROM "{t.name}"'))
                        .scalar() or 0 for t in meta.sorted_tables if "id" in t.c)
        cloned = {t.name for t in meta.sorted_tables if t.name == "workspaces" or (
            "workspace_id" in t.c and t.c.workspace_id.foreign_keys)}  # not installation-wide
        for table in meta.sorted_tables:
            if table.name not in cloned:
                continue
            where = "t.id = :source" if table.name == "workspaces" else \
                "t.workspace_id = :source"
            unique = {c for u in inspector.get_unique_constraints(table.name)
                      if "workspace_id" not in u["column_names"] and table.name != "workspaces"
                      for c in u["column_names"]}
            unique |= {"slug"} if table.name == "workspaces" else set()
            values = []
            for column in table.columns:
                ref = f't."{column.name}"'
                inside = any(fk.column.table.name in cloned for fk in column.foreign_keys)
                if isinstance(column.type, Integer) and ((column.primary_key and len(
                        table.primary_key.columns) == 1) or inside):
                    values.append(f"{ref} + k * {shift}")
                elif column.name in unique and isinstance(column.type, String):
                    values.append(f"{ref} || '-' || k")
                else:
                    values.append(ref)
            names = ", ".join(f'"{c.name}"' for c in table.columns)
            conn.execute(text(f'INSERT INTO "{table.name}" ({names}) SELECT {", ".join(values)} '
                              f'FROM "{table.name}" t, generate_series(1, :copies) AS k '
                              f"WHERE {where}"), {"source": source, "copies": copies})
            if "id" in table.c and isinstance(table.c.id.type, Integer):
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'),"
                                  f' (SELECT max(id) FROM "{table.name}"))'))
    engine.dispose()


def _done(app: App, day: datetime) -> int:
    with app.db.unit(None, write=False) as session:
        return session.scalar(select(func.count()).select_from(JobRun).where(
            JobRun.period_start == day, JobRun.status == "done")) or 0


def one_round(app: App, url: str, home: Path, workers: int, period_day: int,
              seconds: float) -> tuple[int, int, float]:
    """With ``workers`` worker processes and one period of every job of every workspace
    queued: (runs queued, runs done in the window, jobs per second). The window opens when
    the first run is done (start-up is not counted) and closes after ``seconds`` or when all
    runs are done, whichever is first."""
    from huey import RedisHuey

    producer = RedisHuey("righthand", url=REDIS_DB_URL)
    producer.storage.flush_all()
    enqueue = jobs.register(producer, app)["run_jobs"]
    (home / f"round-{workers}").mkdir(exist_ok=True)
    fleet = Fleet({"RIGHTHAND_DATABASE_URL": url, "RIGHTHAND_REDIS_URL": REDIS_DB_URL},
                  home / f"round-{workers}")
    day = T0 + timedelta(days=period_day)  # a midnight starts a period of every length
    queued = sum(jobs.fan_out(app, enqueue, name, day) for name in jobs.schedules(app))
    try:
        fleet.start(workers)
        deadline = time.monotonic() + 600
        while (first := _done(app, day)) == 0:
            if time.monotonic() > deadline or not fleet.alive():
                raise SystemExit(f"{workers} worker(s) did not start\n{fleet.logs()[-3000:]}")
            time.sleep(0.2)
        opened = time.monotonic()
        while (done := _done(app, day)) < queued and time.monotonic() - opened < seconds:
            if not fleet.alive():
                raise SystemExit(f"a worker died\n{fleet.logs()[-3000:]}")
            time.sleep(0.5)
        closed = time.monotonic()
    finally:
        fleet.stop()
        producer.storage.flush_all()
    return queued, done - first, (done - first) / max(0.001, closed - opened)


def main() -> None:
    """Seed, run the three rounds, print the figures."""
    count = int(os.environ.get("WORKSPACES", "1000"))
    if not port_open("127.0.0.1", 5432) or not port_open("127.0.0.1", 6379):
        raise SystemExit("needs PostgreSQL (127.0.0.1:5432) and Redis (127.0.0.1:6379)")
    home = Path(tempfile.mkdtemp(prefix="righthand-scale-"))
    with fresh_postgres(POSTGRES_URL) as url:
        started = time.monotonic()
        seed(url, home, count)
        print(f"seeded {count} workspaces in {time.monotonic() - started:.0f} s", flush=True)
        app = build(_settings(url, home))
        with app.db.unit(None, write=False) as session:
            assert session.scalar(select(func.count()).select_from(Workspace)) == count
        rates: dict[str, float] = {}
        seconds = float(os.environ.get("ROUND_SECONDS", "60"))
        for n, workers in enumerate((1, 2, 4)):
            queued, ran, rate = one_round(app, url, home, workers, n, seconds)
            rates[str(workers)] = round(rate, 1)
            print(f"{workers} worker(s): {ran} of {queued} queued runs in the window, "
                  f"{rate:.1f} jobs/s", flush=True)
        app.db.dispose()
    print(json.dumps({"workspaces": count, "jobs_per_s": rates}))


if __name__ == "__main__":
    main()
