"""'Connected' is earned by an answer from the venue, not by the absence of errors.

The issue's reproduction: with nothing to sync and nothing held, every cycle asked the venue
nothing, raised nothing, and marked it connected, even with the network gone. Here the paper
venue goes silent (`down`, `fail_next`) and the clock is ours, so the state follows the answers.
"""

from __future__ import annotations

from moniqo_desktop.engine.events import ConnectionChanged, ConnectionState
from moniqo_desktop.engine.venue_health import VenueMode, age_text, venue_mode
from moniqo_desktop.exchanges import DemoExchange

INTERVAL = 2.0  # the settings' default poll interval


async def test_idle_cycles_with_a_silent_venue_are_not_connected(engine, demo, clock):
    assert engine.connection_state is ConnectionState.CONNECTED  # markets + balances answered
    demo.down = True  # the network is gone; nothing is held, so a cycle asks nothing
    clock.advance(seconds=2 * INTERVAL)
    report = await engine.run_cycle()
    assert report.errors == []  # no error at all ...
    assert engine.connection_state is ConnectionState.DEGRADED  # ... and still not "connected"


async def test_heartbeat_turns_degraded_within_two_intervals_and_back(engine, demo, clock,
                                                                       events):
    await engine.heartbeat()
    assert engine.connection_state is ConnectionState.CONNECTED
    demo.fail_next(3)
    clock.advance(seconds=INTERVAL)
    await engine.heartbeat()  # the heartbeat's ticker call fails
    clock.advance(seconds=INTERVAL)
    await engine.heartbeat()
    assert engine.connection_state is ConnectionState.DEGRADED
    change = events.of(ConnectionChanged)[-1]
    assert change.state is ConnectionState.DEGRADED
    assert change.last_answer is not None and "last answer" in change.detail
    assert "simulated failure" in change.detail
    clock.advance(seconds=INTERVAL)
    await engine.heartbeat()  # third failure
    clock.advance(seconds=INTERVAL)
    await engine.heartbeat()  # answers again
    assert engine.connection_state is ConnectionState.CONNECTED
    assert [e.state for e in events.of(ConnectionChanged)][-2:] == [
        ConnectionState.DEGRADED, ConnectionState.CONNECTED]


async def test_heartbeat_asks_only_when_nothing_else_did(engine, demo, clock):
    before = demo.calls["fetch_ticker"]
    await engine.heartbeat()  # start-up answered a moment ago
    assert demo.calls["fetch_ticker"] == before
    clock.advance(seconds=INTERVAL)
    await engine.heartbeat()
    assert demo.calls["fetch_ticker"] == before + 1


async def test_long_silence_is_offline(engine, demo, clock):
    demo.down = True
    clock.advance(seconds=INTERVAL * 11)
    await engine.heartbeat()
    assert engine.connection_state is ConnectionState.DISCONNECTED
    assert engine.health.detail(INTERVAL).startswith("last answer 22 s ago")


async def test_a_refusal_is_still_an_answer(engine, demo, clock):
    clock.advance(seconds=INTERVAL * 3)
    await engine.run_cycle()
    assert engine.connection_state is ConnectionState.DEGRADED  # nothing asked for 6 s
    try:
        await engine.ctx.exchange.fetch_ticker("NOPE/USDT")  # the venue says "unknown"
    except Exception:
        pass
    await engine.run_cycle()
    assert engine.connection_state is ConnectionState.CONNECTED


async def test_mode_comes_from_the_exchange_in_use():
    from moniqo_desktop.exchanges.ccxt_exchange import CcxtExchange

    live, testnet = CcxtExchange("binance"), CcxtExchange("binance", sandbox=True)
    try:
        assert venue_mode(DemoExchange()) is VenueMode.PAPER
        assert venue_mode(live) is VenueMode.LIVE
        assert venue_mode(testnet) is VenueMode.TESTNET
        assert VenueMode.TESTNET.label == "TESTNET"
    finally:
        await live.close()
        await testnet.close()


def test_age_text():
    assert [age_text(s) for s in (0, 12.7, 150, 9000)] == [
        "0 s ago", "12 s ago", "2 min ago", "2 h ago"]
