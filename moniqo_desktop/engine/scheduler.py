"""In-process periodic jobs: the original system's Celery beat + worker, without a broker.

Each job is one task that awaits its own run before sleeping again, so a slow run can never
overlap the next one. Retryable exchange errors are retried with exponential backoff (at most
`retries` times); any other error is reported and the job simply waits for its next period, so
one bad run never kills the schedule.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from ..exchanges.errors import ExchangeError

log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]


def backoff_delays(retries: int, base: float, cap: float = 30.0) -> list[float]:
    """Delays before retry 1..n: base, 2·base, 4·base, ... capped."""
    return [min(cap, base * 2**i) for i in range(retries)]


async def call_with_retry(
    func: Callable[[], Awaitable[object]],
    *,
    retries: int = 3,
    base_delay: float = 1.0,
    sleep: Sleep = asyncio.sleep,
    on_retry: Callable[[int, float, BaseException], None] | None = None,
) -> object:
    """Run `func`; on a retryable ExchangeError wait and try again, up to `retries` times."""
    delays = backoff_delays(retries, base_delay)
    attempt = 0
    while True:
        try:
            return await func()
        except ExchangeError as exc:
            if not exc.retryable or attempt >= retries:
                raise
            delay = delays[attempt]
            attempt += 1
            if on_retry:
                on_retry(attempt, delay, exc)
            await sleep(delay)


@dataclass
class PeriodicJob:
    name: str
    func: Callable[[], Awaitable[object]]
    interval: float
    retries: int = 3
    base_delay: float = 1.0
    on_error: Callable[[str, BaseException], None] | None = None
    on_retry: Callable[[int, float, BaseException], None] | None = None
    sleep: Sleep = asyncio.sleep
    runs: int = 0
    failures: int = 0
    retry_delays: list[float] = field(default_factory=list)

    async def run_once(self) -> None:
        def note_retry(attempt: int, delay: float, exc: BaseException) -> None:
            self.retry_delays.append(delay)
            if self.on_retry:
                self.on_retry(attempt, delay, exc)

        try:
            await call_with_retry(self.func, retries=self.retries, base_delay=self.base_delay,
                                  sleep=self.sleep, on_retry=note_retry)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self.failures += 1
            log.warning("job %s failed: %s", self.name, exc)
            if self.on_error:
                self.on_error(self.name, exc)
        finally:
            self.runs += 1

    async def loop(self) -> None:
        while True:
            await self.run_once()
            await self.sleep(self.interval)


class Scheduler:
    """Owns the job tasks; `stop()` cancels them and waits, so shutdown leaves nothing running."""

    def __init__(self) -> None:
        self.jobs: list[PeriodicJob] = []
        self.services: list[tuple[str, Callable[[], Awaitable[None]]]] = []
        self._tasks: list[asyncio.Task[None]] = []

    def add(self, job: PeriodicJob) -> PeriodicJob:
        self.jobs.append(job)
        return job

    def add_service(self, name: str, run: Callable[[], Awaitable[None]]) -> None:
        """A long-running coroutine (e.g. a price stream) started and stopped with the jobs."""
        self.services.append((name, run))

    @property
    def running(self) -> bool:
        return any(not t.done() for t in self._tasks)

    def start(self) -> None:
        if self.running:
            return
        named = [(job.name, job.loop) for job in self.jobs] + self.services
        self._tasks = []
        for name, run in named:
            task = asyncio.ensure_future(run())
            task.set_name(f"moniqo-{name}")
            self._tasks.append(task)

    async def stop(self) -> None:
        tasks, self._tasks = self._tasks, []
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
