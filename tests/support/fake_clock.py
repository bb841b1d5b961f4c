"""Time that moves only when the test says so (injected into the code under test, not patched)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

START = datetime(2026, 1, 5, 12, 0, tzinfo=timezone.utc)


class FakeClock:
    def __init__(self, start: datetime = START) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kw: float) -> datetime:
        self.now += timedelta(**kw)
        return self.now
