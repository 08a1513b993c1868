"""A clock the tests move by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class FakeClock:
    """Callable returning a settable 'now' (aware UTC)."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime(2026, 11, 26, 15, 0, tzinfo=UTC)  # 10:00 in New York

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> datetime:
        """Move forward by timedelta(**kwargs)."""
        self.now += timedelta(**kwargs)
        return self.now
