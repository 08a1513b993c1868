"""Throughput and latency of the web console: the Today page and GET /api/agenda.

For each database (SQLite, then PostgreSQL when one is reachable on loopback) this seeds the
demo office, starts `righthand serve --workers 2` on a free loopback port, signs in, and drives
a 50/50 mix of the Today page (session cookie) and GET /api/agenda (bearer token) with a
small asyncio HTTP/1.1 load generator (keep-alive connections, loopback only, bounded):

* open loop at TARGET_RPS (default 200) for DURATION seconds: latency is measured from each
  request's *scheduled* start, so a stall counts against it (no coordinated omission);
* closed loop with CONCURRENCY connections for DURATION seconds: the most it serves.

Target: p99 under 100 ms at 200 requests per second on the 2-core machine. The load generator
shares those cores (and so does PostgreSQL): run it on a quiet machine. Knobs: TARGET_RPS,
DURATION, WARMUP, CONCURRENCY, WORKERS, DATABASES=sqlite,postgresql.
One JSON line per database, the last for PostgreSQL:
{"database": "...", "rps": R, "p50_ms": A, "p99_ms": B, ...}  (rps: closed-loop maximum;
p50/p99: at the target rate).
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode

TARGET_RPS = float(os.environ.get("TARGET_RPS", "200"))
DURATION = float(os.environ.get("DURATION", "15"))
WARMUP = float(os.environ.get("WARMUP", "5"))
CONCURRENCY = int(os.environ.get("CONCURRENCY", "16"))
WORKERS = os.environ.get("WORKERS", "2")
DATABASES = os.environ.get("DATABASES", "sqlite,postgresql").split(",")
POSTGRES_URL = os.environ.get("RIGHTHAND_TEST_POSTGRES_URL",
                              "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
RIGHTHAND = str(Path(sys.executable).with_name("righthand"))
PASSWORD = "benchmark passphrase"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def seed(env: dict[str, str]) -> str:
    """Demo office (Phase III), an owner and a read token; returns the token."""
    code = (
        "from righthand.bootstrap import build\n"
        "from righthand.policy.duties import Phase\n"
        "from righthand.service import demo, workspaces\n"
        "from righthand.web import accounts, tokens\n"
        "app = build(create_schema=True)\n"
        "with app.db.unit(None) as s:\n"
        "    ws = demo.seed(s, app.catalog, app.clock(), Phase.III)\n"
        "    workspaces.set_current(s, ws.slug)\n"
        f"    u = accounts.create(s, 'bench', {PASSWORD!r}, app.clock())\n"
        "    accounts.add_member(s, u, ws, 'owner', app.clock(), 'benchmark')\n"
        "    raw, _ = tokens.issue(s, u, ws, 'owner', 'bench', ['read'], app.clock(), 'benchmark')\n"
        "print(raw)\n")
    out = subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True,
                         text=True)
    return out.stdout.strip().splitlines()[-1]


async def _request(reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                   raw: bytes) -> int:
    writer.write(raw)
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    match = re.search(rb"(?i)\r\ncontent-length: *(\d+)", head)
    if match is None:
        raise RuntimeError("response without Content-Length")
    await reader.readexactly(int(match.group(1)))
    return status


def _raw(path: str, port: int, headers: dict[str, str]) -> bytes:
    lines = [f"GET {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Connection: keep-alive",
             *(f"{k}: {v}" for k, v in headers.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


async def _connections(port: int, count: int) -> asyncio.Queue:
    pool: asyncio.Queue = asyncio.Queue()
    for _ in range(count):
        pool.put_nowait(await asyncio.open_connection("127.0.0.1", port))
    return pool


async def open_loop(port: int, mix: list[tuple[str, bytes]], rate: float,
                    seconds: float) -> dict[str, list[float]]:
    """Requests at a fixed rate; latency from the scheduled start."""
    pool = await _connections(port, 64)
    results: dict[str, list[float]] = {name: [] for name, _ in mix}
    errors: list[int] = []
    start = time.perf_counter() + 0.2
    total = int(rate * seconds)

    async def one(index: int) -> None:
        due = start + index / rate
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
        name, raw = mix[index % len(mix)]
        reader, writer = await pool.get()
        try:
            status = await _request(reader, writer, raw)
        finally:
            pool.put_nowait((reader, writer))
        if status != 200:
            errors.append(status)
        results[name].append((time.perf_counter() - due) * 1000)

    await asyncio.gather(*(one(i) for i in range(total)))
    while not pool.empty():
        pool.get_nowait()[1].close()
    results["errors"] = [float(e) for e in errors]
    return results


async def closed_loop(port: int, mix: list[tuple[str, bytes]], connections: int,
                      seconds: float) -> float:
    """As fast as the server answers, on ``connections`` keep-alive connections."""
    done = 0
    stop = time.perf_counter() + seconds

    async def worker(offset: int) -> None:
        nonlocal done
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        index = offset
        while time.perf_counter() < stop:
            await _request(reader, writer, mix[index % len(mix)][1])
            done += 1
            index += 1
        writer.close()

    began = time.perf_counter()
    await asyncio.gather(*(worker(i) for i in range(connections)))
    return done / (time.perf_counter() - began)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def settle(env: dict[str, str]) -> None:
    """Write the seeding's dirty pages out first, so the database's own background flush
    (PostgreSQL's checkpointer after a CREATE DATABASE and the seed; SQLite's WAL) does not
    land inside the measured window: the figures are the steady state's."""
    from sqlalchemy import create_engine, text

    url = env.get("RIGHTHAND_DATABASE_URL")
    if url is None:
        return  # SQLite: the server's own connections checkpoint the WAL as they go
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("CHECKPOINT"))
    engine.dispose()


def ready(port: int, deadline: float) -> None:
    """Wait until workers answer /healthz (on a busy machine they take seconds to import)."""
    import httpx

    answered = 0
    while answered < 4:  # a few answers: both workers are likely up
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=30).status_code == 200:
                answered += 1
                continue
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError("the server did not answer /healthz")
        time.sleep(0.2)


def login(port: int) -> str:
    """Sign in through the form; returns the session cookie header."""
    import httpx

    with httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
        form = client.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
        assert token
        client.post("/login", data={"username": "bench", "password": PASSWORD,
                                    "csrf_token": token.group(1)})
        cookie = client.cookies.get("righthand_session")
    assert cookie, "sign-in failed"
    return f"righthand_session={cookie}"


def run(database: str, env: dict[str, str]) -> dict[str, object]:
    token = seed(env)
    port = free_port()
    server = subprocess.Popen([RIGHTHAND, "serve", "--port", str(port), "--workers", WORKERS,
                               "--log-level", "warning"], env=env, stdout=subprocess.DEVNULL,
                              start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("the server did not start") from None
                time.sleep(0.2)
        ready(port, deadline)  # the port is bound before the workers have started
        cookie = login(port)
        mix = [("today", _raw("/w/demo/today", port, {"Cookie": cookie})),
               ("agenda", _raw("/api/agenda?" + urlencode({"days": 1}), port,
                               {"Authorization": f"Bearer {token}"}))]
        asyncio.run(closed_loop(port, mix, 4, WARMUP))  # warm up (caches, prepared statements)
        settle(env)
        latencies = asyncio.run(open_loop(port, mix, TARGET_RPS, DURATION))
        maximum = asyncio.run(closed_loop(port, mix, CONCURRENCY, DURATION))
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    both = latencies["today"] + latencies["agenda"]
    return {
        "database": database, "rps": round(maximum, 1),
        "p50_ms": round(statistics.median(both), 2), "p99_ms": round(percentile(both, 0.99), 2),
        "target_rps": TARGET_RPS, "seconds": DURATION, "workers": int(WORKERS),
        "errors": len(latencies["errors"]),
        "today": {"p50_ms": round(statistics.median(latencies["today"]), 2),
                  "p99_ms": round(percentile(latencies["today"], 0.99), 2)},
        "agenda": {"p50_ms": round(statistics.median(latencies["agenda"]), 2),
                   "p99_ms": round(percentile(latencies["agenda"], 0.99), 2)},
    }


def postgres_database() -> tuple[str, str] | None:
    """A fresh PostgreSQL database for the run: (its URL, its name); None when unreachable."""
    from sqlalchemy import create_engine, text

    try:
        admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT",
                              connect_args={"connect_timeout": 3})
        name = f"righthand_bench_{uuid.uuid4().hex[:8]}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
    except Exception as exc:
        print(f"PostgreSQL not reachable ({exc.__class__.__name__}); skipping it",
              file=sys.stderr)
        return None
    return POSTGRES_URL.rsplit("/", 1)[0] + f"/{name}", name


def drop_postgres(name: str) -> None:
    from sqlalchemy import create_engine, text

    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def main() -> None:
    base = {k: v for k, v in os.environ.items() if not k.startswith("RIGHTHAND_")}
    if "sqlite" in DATABASES:
        with tempfile.TemporaryDirectory() as home:
            env = {**base, "RIGHTHAND_HOME": str(Path(home) / "sqlite")}
            print(json.dumps(run("sqlite", env)), flush=True)
    database = postgres_database() if "postgresql" in DATABASES else None
    if database is not None:
        url, name = database
        try:
            with tempfile.TemporaryDirectory() as home:
                env = {**base, "RIGHTHAND_HOME": home, "RIGHTHAND_DATABASE_URL": url}
                print(json.dumps(run("postgresql", env)), flush=True)
        finally:
            drop_postgres(name)


if __name__ == "__main__":
    main()
