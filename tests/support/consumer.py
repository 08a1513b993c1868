"""A real Huey consumer running in a background thread of the test process.

``Consumer.run()`` installs signal handlers, which Python allows only in the main thread (and
which would take Ctrl-C away from pytest); this consumer leaves the process's signals alone.
Everything else -- scheduler thread, worker threads, polling the storage -- is Huey's own.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from huey import Huey
from huey.consumer import Consumer


class ThreadedConsumer(Consumer):
    """A Huey consumer that does not touch signal handlers."""

    def _set_signal_handlers(self) -> None:
        pass


@contextmanager
def running_consumer(huey: Huey, *, workers: int = 1, periodic: bool = False,
                     ) -> Iterator[ThreadedConsumer]:
    """Run a consumer of ``huey`` for the duration of the block; stop it gracefully after."""
    consumer = ThreadedConsumer(huey, workers=workers, periodic=periodic, worker_type="thread",
                                initial_delay=0.02, max_delay=0.2, check_worker_health=False)
    thread = threading.Thread(target=consumer.run, name="test-huey-consumer", daemon=True)
    thread.start()
    try:
        yield consumer
    finally:
        consumer.stop(graceful=True)
        thread.join(10)
        assert not thread.is_alive(), "the Huey consumer did not stop"


@contextmanager
def exclusive(name: str) -> Iterator[None]:
    """Hold a machine-wide lock called ``name`` (xdist workers and concurrent runs share one
    Redis queue: only one test at a time may enqueue to, consume from, or flush it)."""
    try:
        import fcntl
    except ImportError:  # not on a POSIX system: tests run one process at a time there
        yield
        return
    import hashlib
    import tempfile
    from pathlib import Path

    digest = hashlib.sha256(name.encode()).hexdigest()[:16]
    path = Path(tempfile.gettempdir()) / f"righthand-test-{digest}.lock"
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
