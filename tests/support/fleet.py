"""Several ``righthand worker`` processes on one Redis queue and one PostgreSQL database: the
multi-worker test and the scale benchmark share it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.support.databases import new_postgres

ROOT = Path(__file__).resolve().parents[2]


@contextmanager
def fresh_postgres(admin_url: str) -> Iterator[str]:
    """A new, migrated PostgreSQL database (dropped after); yields its URL."""
    with new_postgres("righthand_fleet", migrated=True, admin_url=admin_url) as (url, _name):
        yield url


class Fleet:
    """Worker processes started with one environment; each can be killed and restarted."""

    def __init__(self, env: dict[str, str], home: Path, *, count: bool = False,
                 threads: int = 2, jobs: frozenset[str] | None = None) -> None:
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("RIGHTHAND_")}
        self.env.update(env)
        self.env.update({"RIGHTHAND_HOME": str(home), "PYTHONUNBUFFERED": "1",
                         "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "src"),
                                                        os.environ.get("PYTHONPATH", "")])})
        self.argv = [sys.executable, "-m", "tests.support.worker_main", "--threads",
                     str(threads), *(["--count"] if count else []),
                     *(["--jobs", ",".join(sorted(jobs))] if jobs else [])]
        self.home = home
        self.procs: list[subprocess.Popen[bytes]] = []

    def start(self, n: int = 1) -> None:
        """Start ``n`` more workers."""
        for _ in range(n):
            index = len(self.procs)
            log = (self.home / f"worker-{index}.log").open("wb")
            self.procs.append(subprocess.Popen(self.argv, env=self.env, cwd=ROOT, stdout=log,
                                               stderr=subprocess.STDOUT))

    def kill(self, index: int) -> None:
        """SIGKILL worker ``index`` (no clean-up of any kind) and reap it."""
        proc = self.procs[index]
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)

    def restart(self, index: int) -> None:
        """Start worker ``index`` again after it was killed."""
        log = (self.home / f"worker-{index}.log").open("ab")
        self.procs[index] = subprocess.Popen(self.argv, env=self.env, cwd=ROOT, stdout=log,
                                             stderr=subprocess.STDOUT)

    def alive(self) -> bool:
        """True while every worker runs."""
        return all(p.poll() is None for p in self.procs)

    def logs(self) -> str:
        """Everything the workers printed."""
        return "\n".join(p.read_text(errors="replace")
                         for p in sorted(self.home.glob("worker-*.log")))

    def stop(self) -> None:
        """Stop every worker (SIGTERM, then SIGKILL after a grace)."""
        for proc in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 8
        for proc in self.procs:
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)
