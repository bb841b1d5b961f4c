"""Fixtures for the exchange tests: real ccxt clients answered by recorded payloads."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ccxt_replay import (  # noqa: E402
    Replay,
    SleepRecorder,
    replayed,
)


@pytest.fixture
def sleeps() -> SleepRecorder:
    return SleepRecorder()


@pytest.fixture
def binance_replay() -> Replay:
    return Replay("binance")


@pytest.fixture
async def binance(binance_replay: Replay, sleeps: SleepRecorder):
    """Binance spot on recordings; markets already loaded from the recorded exchangeInfo."""
    exchange = replayed("binance", binance_replay, sleeps)
    binance_replay.add("exchange_info")
    await exchange.load_markets()
    binance_replay.requests.clear()
    yield exchange
    await exchange.close()
    assert not binance_replay.unmatched, f"unrecorded requests: {binance_replay.unmatched}"
