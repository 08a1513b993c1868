"""A `righthand worker` process for the multi-worker tests and the scale benchmark.

Runs exactly what ``righthand worker --no-scheduler`` runs (a Huey consumer with the app's tasks
and the dispatcher loop); the test drives the schedule itself. With ``--count`` every periodic
job's body also appends one ``test.job_ran`` audit entry in the same transaction that marks the
run done, so the test can count runs that really happened, whatever was killed when.

    python -m tests.support.worker_main [--count] [--threads N] [--jobs a,b]
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from typing import Any

from righthand.bootstrap import build
from righthand.duties import registry as duty_registry
from righthand.duties.plugin import DutyPlugin, PeriodicJob
from righthand.service import audit, jobs

RAN = "test.job_ran"


def counted(job: PeriodicJob) -> PeriodicJob:
    """The job, noting each run in the workspace's audit chain after its body."""
    body = job.run

    def run(context: dict[str, Any]) -> None:
        body(context)
        app = context["app"]
        audit.append(context["session"], context["workspace_id"], "worker", RAN, job.name,
                     {"job": job.name, "period": context["period_start"].isoformat()},
                     at=app.clock())

    return replace(job, run=run)


def plugins(count: bool, only: frozenset[str] | None = None) -> list[DutyPlugin]:
    """The installed duty plugins, their jobs counted when ``count``; with ``only``, just the
    periodic jobs of those names (the rest of each plugin is unchanged)."""
    from importlib.metadata import entry_points

    found = [ep.load() for ep in sorted(entry_points(group=duty_registry.GROUP),
                                        key=lambda ep: ep.name)]
    if only is not None:
        found = [replace(p, jobs=tuple(j for j in p.jobs if j.name in only)) for p in found]
    if not count:
        return found
    return [replace(p, jobs=tuple(counted(j) for j in p.jobs)) for p in found]


def main() -> None:
    """Run the worker until killed."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", action="store_true")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--jobs", default="", help="comma-separated job names (default: all)")
    args = parser.parse_args()
    only = frozenset(args.jobs.split(",")) if args.jobs else None
    app = build(plugins=plugins(args.count, only))
    jobs.run_worker(app, workers=args.threads, periodic=False)


if __name__ == "__main__":
    main()
