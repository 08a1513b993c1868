"""Import 100,000 generated contacts from CSV through the same code path as
`righthand contacts import FILE --list newsletter`: read and check the file (a read-only
transaction), record the import job and propose the contacts.import action through the gate
(one write transaction), deliver it (one transaction of batched inserts). Target: under 20 s and 500 MB on a 2-core machine.

Environment: CONTACTS (default 100000); RIGHTHAND_DATABASE_URL to run on PostgreSQL instead of a
fresh SQLite file. Last line: {"contacts": N, "seconds": S, "peak_mb": M}
"""

from __future__ import annotations

import csv
import json
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"
if str(SRC) not in sys.path:
    sys.path.insert(0, str(SRC))

COUNT = int(os.environ.get("CONTACTS", "100000"))
GIVEN = ["Ann", "Bob", "Cat", "Dan", "Eve", "Fay", "Gus", "Hal", "Ida", "Jon", "Kim", "Liu",
         "Mia", "Ned", "Ola", "Pia", "Zoë", "José", "Søren", "Renée"]
FAMILY = ["Able", "Chen", "Cole", "Dee", "Evans", "Garcia", "Hughes", "Iqbal", "Jones", "Kaur",
          "Lopez", "Müller", "Nguyen", "O'Brien", "Patel", "Quinn", "Rossi", "Smith", "Tanaka"]
CITIES = ["Boston", "Cambridge", "Quincy", "Somerville", "Newton", "Brookline"]
TAGS = ["buyer", "seller", "lead", "vip", "past client", "vendor"]


def generate(path: Path, count: int) -> None:
    """A CSV shaped like an Outlook export's useful columns."""
    rng = random.Random(42)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["First Name", "Last Name", "E-mail Address", "Mobile Phone", "Company",
                         "Business City", "Categories", "Notes"])
        for index in range(count):
            given, family = rng.choice(GIVEN), rng.choice(FAMILY)
            writer.writerow([
                given, family, f"{given.lower()}.{index}@example{index % 97}.com",
                f"(617) {200 + index // 10000:03d}-{index % 10000:04d}",
                f"{family} & Co" if index % 3 == 0 else "", rng.choice(CITIES),
                ";".join(rng.sample(TAGS, rng.randint(0, 2))),
                "Met at the open house" if index % 5 == 0 else ""])


def main() -> None:
    from righthand.bootstrap import build
    from righthand.config import Settings
    from righthand.duties.lists.importer import ImportOptions, check, import_action, record
    from righthand.policy.duties import Phase
    from righthand.service import executor, workspaces
    from righthand.store.tables import ImportJob, MailingListRow

    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder)
        source = home / "contacts.csv"
        generate(source, COUNT)
        url = os.environ.get("RIGHTHAND_DATABASE_URL") or f"sqlite:///{home / 'righthand.db'}"
        app = build(Settings(data_dir=home, database_url=url), create_schema=True)
        slug = f"bench-{os.getpid()}"
        with app.db.unit(None) as session:
            ws = workspaces.create(session, slug=slug, client_name="Bench Mark",
                                   assistant_name="Jane", timezone="America/New_York",
                                   phase=Phase.I, catalog=app.catalog, now=app.clock())
            session.add(MailingListRow(workspace_id=ws.id, slug="newsletter",
                                       name="Newsletter"))
            workspace_id = ws.id

        start = time.perf_counter()
        data = source.read_bytes()
        options = ImportOptions(mode="add", list_name="newsletter", region="US")
        with app.db.unit(workspace_id, write=False) as session:
            parsed = check(session, data, source.name, options)
        checked = time.perf_counter() - start
        with app.db.unit(workspace_id) as session:
            ws = workspaces.resolve(session, slug)
            job = record(session, workspace_id, parsed, data, source.name, options,
                         app.clock())
            proposed = executor.propose(session, workspace_id, import_action(job),
                                        workspaces.job_description(session, ws), app.catalog,
                                        app.clock(), "benchmark", app.approval_ttl)
            job_id, action_id = job.id, proposed.row.id
        del parsed, job, proposed, data
        report = app.dispatcher().run_once(only=[action_id])
        seconds = time.perf_counter() - start
        with app.db.unit(workspace_id, write=False) as session:
            done = session.get(ImportJob, job_id)
            assert done is not None and done.status == "done", (report, done and done.status)
            created, invalid = done.created, done.invalid
        app.db.dispose()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"read and checked {COUNT:,} rows in {checked:.1f} s; imported {created:,} "
          f"({invalid} invalid) and subscribed them in {seconds:.1f} s in all")
    print(json.dumps({"contacts": created, "seconds": round(seconds, 2),
                      "peak_mb": round(peak_mb, 1)}))


if __name__ == "__main__":
    main()
