"""`righthand serve`: the web console and JSON API under uvicorn.

With several workers on Linux each worker listens on its own SO_REUSEPORT socket, so the kernel
spreads connections evenly. (With one shared socket, the first worker to wake accepts a whole
burst of keep-alive connections and the others idle: under load, half the machine went unused.)
"""

from __future__ import annotations

import errno
import multiprocessing
import signal
import socket
import sys
from types import FrameType
from typing import Any

import typer

from righthand.errors import BadInput

APP = "righthand.web.app:from_environment"


def _family(host: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def _check_free(host: str, port: int) -> None:
    """Fail clearly when something (another `righthand serve` too) already has the port."""
    probe = socket.socket(_family(host), socket.SOCK_STREAM)
    try:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind((host, port))
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise BadInput(f"port {port} on {host} is already in use",
                           hint="Stop the other server, or pick another with --port.") from None
        raise BadInput(f"cannot listen on {host}:{port}: {exc.strerror}",
                       hint="Check --host and --port.") from None
    finally:
        probe.close()


def _worker(host: str, port: int, options: dict[str, Any]) -> None:
    """One worker process: its own listening socket, one uvicorn server."""
    import uvicorn

    sock = socket.socket(_family(host), socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(2048)
    uvicorn.Server(uvicorn.Config(APP, factory=True, **options)).run(sockets=[sock])


def _run_workers(host: str, port: int, workers: int, options: dict[str, Any]) -> None:
    context = multiprocessing.get_context("spawn")
    processes = [context.Process(target=_worker, args=(host, port, options), daemon=False)
                 for _ in range(workers)]

    def stop(_signum: int, _frame: FrameType | None) -> None:
        for process in processes:
            if process.is_alive():
                process.terminate()  # each uvicorn shuts down gracefully on SIGTERM

    signal.signal(signal.SIGTERM, stop)
    for process in processes:
        process.start()
    try:
        for process in processes:
            process.join()
    except KeyboardInterrupt:  # Ctrl+C reached the workers too; wait for them
        for process in processes:
            process.join(timeout=15)
    if any(p.exitcode not in (0, -signal.SIGTERM, None) for p in processes):
        sys.exit(1)


def run(host: str = "127.0.0.1", port: int = 8000, workers: int = 1, *,
        proxy_headers: bool = False, forwarded_allow_ips: str = "127.0.0.1",
        log_level: str = "info", access_log: bool = True) -> None:
    """Check the schema, say where the console is, and serve until interrupted."""
    import uvicorn

    from righthand.bootstrap import build

    build().db.dispose()  # fails with a clear hint when the database is not set up
    _check_free(host, port)
    shown = f"[{host}]" if ":" in host else host
    typer.echo(f"Righthand is running at http://{shown}:{port}/ (press Ctrl+C to stop).")
    options: dict[str, Any] = {"proxy_headers": proxy_headers,
                               "forwarded_allow_ips": forwarded_allow_ips,
                               "log_level": log_level, "access_log": access_log,
                               "server_header": False}
    if workers > 1 and hasattr(socket, "SO_REUSEPORT"):
        _run_workers(host, port, workers, options)
        return
    uvicorn.run(APP, factory=True, host=host, port=port,
                workers=workers if workers > 1 else None, **options)
