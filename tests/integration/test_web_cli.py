"""`righthand users` and `righthand serve` through the real command."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.support.servers import free_port, port_open


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RIGHTHAND_")}
    env["RIGHTHAND_HOME"] = str(tmp_path / "home")
    return env


def _rh(env: dict[str, str], *args: str, stdin: str | None = None) -> str:
    done = subprocess.run([sys.executable, "-m", "righthand.cli", *args], env=env, input=stdin,
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _healthy(base: str, seconds: float) -> bool:
    """True once the server answers /healthz (the workers may import slowly on a busy machine:
    the port opens before they serve)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if port_open("127.0.0.1", int(base.rsplit(":", 1)[1])):
            try:
                return httpx.get(f"{base}/healthz", timeout=10).json() == {"status": "ok"}
            except httpx.TimeoutException:
                continue
        time.sleep(0.1)
    return False


def test_users_and_serve(tmp_path):
    env = _env(tmp_path)
    _rh(env, "init", "--client", "Pat Lee", "--name", "office", "--phase", "II")
    password = _rh(env, "users", "add", "pat", "--workspace", "office", "--generate-password",
                   "--quiet").strip()
    assert len(password) >= 12
    _rh(env, "users", "add", "alice", "--workspace", "office", "--role", "staff",
        "--password-stdin", stdin="a staff passphrase\n")
    listing = _rh(env, "users", "list")
    assert "pat: office (owner)" in listing and "alice: office (staff)" in listing
    token = _rh(env, "users", "token", "pat", "--workspace", "office", "--scope", "read").strip()
    assert token.startswith("rht_")
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "righthand.cli", "serve", "--port",
                               str(port), "--workers", "2", "--log-level", "warning"], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              start_new_session=True)
    try:
        base = f"http://127.0.0.1:{port}"
        assert _healthy(base, seconds=60), "serve did not answer /healthz within 60 s"
        me = httpx.get(f"{base}/api/me", headers={"Authorization": f"Bearer {token}"}).json()
        assert me["username"] == "pat" and me["scopes"] == ["read"]
        assert httpx.get(f"{base}/login").status_code == 200
        busy = subprocess.run([sys.executable, "-m", "righthand.cli", "serve", "--port",
                               str(port)], env=env, capture_output=True, text=True, timeout=60,
                              check=False)
        assert busy.returncode == 2 and "already in use" in busy.stderr
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        out, _ = server.communicate(timeout=20)
    assert f"Righthand is running at http://127.0.0.1:{port}/" in out
    _rh(env, "users", "disable", "alice")
    assert "alice [disabled]" in _rh(env, "users", "list")
