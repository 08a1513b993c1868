"""Free-slot search speed: the first 10 free 30-minute slots across 5 busy calendars over four
weeks, in-process (busy time read from the occurrence index + the availability engine).
Target: median under 50 ms. Last line: {"median_ms": M}
"""

from __future__ import annotations

import json
import os
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from righthand.bootstrap import build
from righthand.config import Settings
from righthand.duties.appointments import rules as stored_rules
from righthand.duties.appointments.availability import free_slots
from righthand.duties.calendar import compose, index
from righthand.policy.duties import Phase
from righthand.service import workspaces
from righthand.store.tables import CalendarRow

RUNS = int(os.environ.get("RUNS", "31"))
ZONE = "America/New_York"


def main() -> None:
    now = datetime(2026, 11, 30, 13, 0, tzinfo=UTC)
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as tmp:
        app = build(Settings(data_dir=Path(tmp), database_url=f"sqlite:///{tmp}/r.db"),
                    create_schema=True, clock=lambda: now)
        with app.db.unit(None) as session:
            ws = workspaces.create(session, slug="bench", client_name="Bench",
                                   assistant_name="Jane", timezone=ZONE, phase=Phase.III,
                                   catalog=app.catalog, now=now)
            wid = ws.id
        with app.db.unit(wid) as session:
            texts = []
            for c in range(5):
                cal = CalendarRow(workspace_id=wid, name=f"Busy {c}", busy=True)
                session.add(cal)
                session.flush()
                for n in range(120):  # ~6 events a working day per calendar over four weeks
                    start = now + timedelta(days=rng.randint(0, 27), hours=rng.randint(-4, 5),
                                            minutes=rng.choice([0, 30]))
                    texts.append((cal.id, compose.new_event(
                        f"b{c}-{n}@bench", f"Busy {c}.{n}", start,
                        start + timedelta(minutes=rng.choice([30, 60, 90])), ZONE, now)))
                weekly = compose.new_event(f"w{c}@bench", f"Weekly {c}", now, now +
                                           timedelta(hours=1), ZONE, now)
                texts.append((cal.id, weekly.replace("SEQUENCE:0",
                                                     "RRULE:FREQ=DAILY\r\nSEQUENCE:0")))
            for cal_id, text in texts:
                index.store(session, cal_id, text, now, ZONE, frozenset())
        timings = []
        for _ in range(RUNS):
            start = time.perf_counter()
            with app.db.unit(wid, write=False) as session:
                rules = stored_rules.load(session)
                busy = stored_rules.busy(session, now, now + timedelta(weeks=4), ZONE)
                found = free_slots(rules, busy, now, timedelta(minutes=30), now,
                                   now + timedelta(weeks=4), ZONE, count=10)
            timings.append((time.perf_counter() - start) * 1000)
        assert len(found) == 10, found
        app.db.dispose()
    print(f"{len(found)} slots; first {found[0][0].isoformat()}; busy intervals {len(busy)}")
    print(json.dumps({"median_ms": round(statistics.median(timings), 2)}))


if __name__ == "__main__":
    main()
