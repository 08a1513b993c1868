"""Finding (or failing for want of) the system servers the tests need.

On a user's laptop a missing server skips its tests with a clear reason. In CI
(``RIGHTHAND_REQUIRE_SERVERS=1``, set by ``.ci/run``) a missing server fails them instead, so
a green CI run means every server-backed test really ran.
"""

from __future__ import annotations

import os
import socket
import sys

import pytest

POSTGRES_URL = os.environ.get("RIGHTHAND_TEST_POSTGRES_URL",
                              "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("RIGHTHAND_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def servers_required() -> bool:
    """True in CI, where skipping a server-backed test is a failure."""
    return os.environ.get("RIGHTHAND_REQUIRE_SERVERS") == "1"


def need(available: bool, reason: str) -> None:
    """Skip (laptop) or fail (CI) when a server is not available."""
    if available:
        return
    if servers_required():
        pytest.fail(f"required server missing in CI: {reason}")
    pytest.skip(reason)


def port_open(host: str, port: int, timeout: float = 0.5) -> bool:
    """True when something accepts TCP connections at host:port."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def free_port() -> int:
    """An unused TCP port on loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def postgres_reachable(url: str = POSTGRES_URL) -> bool:
    """True when PostgreSQL answers at ``url``."""
    from sqlalchemy import create_engine, text

    try:
        engine = create_engine(url, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
        return True
    except Exception:
        return False


if __name__ == "__main__":  # `python -m tests.support.servers postgres`: exit 0 when reachable
    if sys.argv[1:] != ["postgres"]:
        sys.exit("usage: python -m tests.support.servers postgres")
    sys.exit(0 if postgres_reachable() else 1)
