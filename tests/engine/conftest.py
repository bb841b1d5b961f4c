"""Engine scenarios run on the real paper exchange, a real SQLite file and a controllable clock."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from fake_clock import FakeClock

from moniqo_desktop.config import Settings
from moniqo_desktop.engine import Engine
from moniqo_desktop.engine.events import Event
from moniqo_desktop.exchanges import DemoExchange

D = Decimal


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "engine.sqlite3"


@pytest.fixture
def settings() -> Settings:
    return Settings(update_log_min_seconds=0)


@pytest.fixture
def demo() -> DemoExchange:
    return DemoExchange(prices={"BTC/USDT": D("50000"), "ETH/USDT": D("3000")},
                        fee_rate=D("0.001"), balances={"USDT": D("100000")})


@pytest.fixture
async def engine(db_path, demo, settings, clock):
    eng = await Engine.open(db_path, demo, settings=settings, clock=clock)
    yield eng
    await eng.close()


@pytest.fixture
def venue(clock) -> DemoExchange:
    """The paper venue told it is `always_on`, so stops rest on it (the paper exchange only
    moves while the app runs, so by default the app watches stops itself)."""
    exchange = DemoExchange(prices={"BTC/USDT": D("50000")}, balances={"USDT": D("100000")},
                            clock=clock)
    exchange.always_on = True
    return exchange


@pytest.fixture
async def eng(tmp_path, venue, settings, clock):
    # its own store: the paper `engine` fixture may hold db_path (one writer per store)
    engine = await Engine.open(tmp_path / "venue.sqlite3", venue, settings=settings, clock=clock)
    yield engine
    await engine.close()


class Recorder:
    def __init__(self) -> None:
        self.events: list[Event] = []

    def __call__(self, event: Event) -> None:
        self.events.append(event)

    def of(self, kind: type) -> list:
        return [e for e in self.events if isinstance(e, kind)]


@pytest.fixture
def events(engine) -> Recorder:
    rec = Recorder()
    engine.events.subscribe(rec)
    return rec
