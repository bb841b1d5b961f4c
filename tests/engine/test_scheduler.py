"""The scheduler: retries with backoff only where a retry can help, reports what failed, and
never runs a job twice at once (a second start is no second poller)."""

from __future__ import annotations

import asyncio

import pytest

from moniqo_desktop.engine.scheduler import PeriodicJob, Scheduler, call_with_retry
from moniqo_desktop.exchanges.errors import ExchangeUnavailable, InsufficientFunds


class Venue:
    """Answers with the given errors first, then 'ok'; counts the calls."""

    def __init__(self, *errors: Exception) -> None:
        self.errors = list(errors)
        self.calls = 0

    async def __call__(self) -> str:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "ok"


async def no_wait(_seconds: float) -> None:
    return None


async def test_a_timeout_is_retried_without_a_listener():
    venue = Venue(ExchangeUnavailable("timed out"), ExchangeUnavailable("timed out"))
    assert await call_with_retry(venue, retries=3, sleep=no_wait) == "ok"
    assert venue.calls == 3


async def test_a_refusal_is_not_retried():
    venue = Venue(InsufficientFunds("binance -2010 insufficient balance"))
    with pytest.raises(InsufficientFunds):
        await call_with_retry(venue, retries=3, sleep=no_wait)
    assert venue.calls == 1


async def test_a_failing_job_reports_each_retry_and_the_failure_then_runs_again():
    retries: list[tuple[int, float]] = []
    failures: list[tuple[str, str]] = []
    venue = Venue(*[ExchangeUnavailable("down")] * 3)
    job = PeriodicJob("orders", venue, interval=2, retries=2, sleep=no_wait,
                      on_retry=lambda n, delay, exc: retries.append((n, delay)),
                      on_error=lambda name, exc: failures.append((name, str(exc))))
    await job.run_once()
    assert retries == [(1, 1.0), (2, 2.0)] and job.retry_delays == [1.0, 2.0]
    assert failures == [("orders", "down")] and job.failures == 1
    await job.run_once()  # the next period: the venue is back
    assert venue.calls == 4 and job.failures == 1 and job.runs == 2


async def test_starting_twice_starts_each_job_once():
    started: list[str] = []
    gate = asyncio.Event()

    async def poll() -> None:
        started.append("orders")
        await gate.wait()

    scheduler = Scheduler()
    scheduler.add(PeriodicJob("orders", poll, interval=60))
    scheduler.start()
    scheduler.start()  # e.g. the window re-shown: no second poller
    await asyncio.sleep(0)
    assert scheduler.running and started == ["orders"]
    await scheduler.stop()
    assert not scheduler.running
