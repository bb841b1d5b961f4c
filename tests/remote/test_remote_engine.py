"""The window's engine on a server (`RemoteEngine`) against the real PostgreSQL: a server (the
real Engine executing the commands table) and two clients in one loop."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import create_engine, text

from moniqo_desktop.domain import DomainError, OrderStatus
from moniqo_desktop.engine.events import ConnectionState, OrderChanged, PositionOpened
from moniqo_desktop.remote import RemoteEngine
from moniqo_desktop.store import StoreError

from server_harness import ServerHarness, until


@pytest.fixture
async def server(pg_url, account):
    harness = await ServerHarness(pg_url, account).start()
    yield harness
    await harness.stop()


async def serve_until(server: ServerHarness, predicate, timeout: float = 5.0) -> None:
    import asyncio

    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        if loop.time() > deadline:
            raise AssertionError("condition not met in time")
        await server.step()
        await asyncio.sleep(0.02)


async def test_a_command_from_one_client_runs_once_and_both_clients_see_it(server, pg_url,
                                                                            account):
    await server.step()  # the server's first poll: prices known
    a = await RemoteEngine.open(pg_url, account=account)
    b = await RemoteEngine.open(pg_url, account=account)
    heard = []
    b.events.subscribe(lambda e: heard.append(type(e).__name__), OrderChanged, PositionOpened)
    try:
        assert a.exchange_name == server.engine.exchange_name
        assert "BTC/USDT" in a.markets()
        assert a.balances()["USDT"][1] > 0
        import asyncio

        placing = asyncio.ensure_future(a.place_order(symbol="BTC/USDT", side="buy",
                                                      type="market", amount="0.01"))
        await serve_until(server, placing.done)
        order = placing.result()
        assert order.status is OrderStatus.FILLED and order.amount == Decimal("0.01")
        # executed once: one command, one order on the server and on the venue
        assert len(server.executed) == 1
        assert [o.id for o in server.engine.orders()] == [order.id]
        db = create_engine(pg_url)
        with db.connect() as conn:  # the paper venue's own books, journaled in the same db
            assert conn.execute(text("SELECT count(*) FROM paper_orders")).scalar() == 1
            assert conn.execute(text("SELECT count(*) FROM commands")).scalar() == 1
        db.dispose()
        # the other window heard it through NOTIFY, within one server poll
        await until(lambda: order.id in {o.id for o in b.orders()}, timeout=2.0)
        await until(lambda: len(b.positions(open_only=True)) == 1, timeout=2.0)
        assert b.refreshes.get("orders", 0) >= 1 and b.refreshes.get("positions", 0) >= 1
        assert "OrderChanged" in heard and "PositionOpened" in heard
        assert b.orders()[0].status is OrderStatus.FILLED
        await until(lambda: b.balances()["BTC"][1] > 0, timeout=2.0)
        held = b.positions(open_only=True)[0].id  # the chart's read path, from the server
        samples = b.position_updates(held)
        assert samples and list(b.position_update_columns(held).price) == \
            [float(u.price) for u in samples]
        await server.step()  # a cycle prices the position: the price fact reaches both
        await until(lambda: b.last_prices().get("BTC/USDT") == Decimal("50000"), timeout=2.0)
    finally:
        await a.close()
        await b.close()


async def test_a_refusal_comes_back_with_the_servers_text(server, pg_url, account):
    client = await RemoteEngine.open(pg_url, account=account)
    try:
        import asyncio

        selling = asyncio.ensure_future(client.place_order(symbol="BTC/USDT", side="sell",
                                                           type="market", amount="0.5"))
        await serve_until(server, selling.done)
        with pytest.raises(DomainError, match="you hold 0 BTC"):
            selling.result()
        assert server.engine.orders() == []
        # a locally checkable mistake never reaches the server
        with pytest.raises(DomainError, match="amount"):
            await client.place_order(symbol="BTC/USDT", side="buy", type="market",
                                     amount="1e-3")
        with pytest.raises(DomainError, match="not traded"):
            await client.place_order(symbol="DOGE/USDT", side="buy", type="market",
                                     amount="1")
        assert len(server.executed) == 1
    finally:
        await client.close()


async def test_the_client_reads_only_and_takes_no_lock(server, pg_url, account):
    client = await RemoteEngine.open(pg_url, account=account)
    try:
        with pytest.raises(StoreError, match="read-only"):
            client.reader.set_state("x", 1)
        engine = create_engine(pg_url)
        with engine.connect() as conn:
            locks = conn.execute(text(
                "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                "WHERE l.locktype = 'advisory' AND a.application_name LIKE "
                "'moniqo-desktop window%'")).scalar()
        engine.dispose()
        assert locks == 0
    finally:
        await client.close()


async def test_no_server_for_the_account_is_a_clear_refusal(server, pg_url):
    with pytest.raises(StoreError, match="no Moniqo server has run for the account 'nobody'"):
        await RemoteEngine.open(pg_url, account="nobody")
    with pytest.raises(StoreError, match="needs a PostgreSQL URL"):
        await RemoteEngine.open("sqlite:////tmp/x.sqlite3")


async def test_the_badge_follows_the_heartbeat(server, pg_url, account):
    from fake_clock import FakeClock

    clock = FakeClock()
    client = await RemoteEngine.open(pg_url, account=account, clock=clock)
    try:
        clock.now = client.server.beat_at
        client._update_connection()
        assert client.connection_state is ConnectionState.CONNECTED
        interval = client.poll_interval
        clock.advance(seconds=interval * 2)
        client._update_connection()
        assert client.connection_state is ConnectionState.DEGRADED
        clock.advance(seconds=interval * 10)
        client._update_connection()
        assert client.connection_state is ConnectionState.DISCONNECTED
        with pytest.raises(DomainError, match="offline.*nothing was sent"):
            await client.place_order(symbol="BTC/USDT", side="buy", type="market",
                                     amount="0.01")
        server.beat()  # the server beats again: the notification brings the badge back
        clock.now = server._beat.beat_at
        await until(lambda: client.connection_state is ConnectionState.CONNECTED)
        await server.stop(clean=True)
        await until(lambda: client.connection_state is ConnectionState.DISCONNECTED)
        assert "stopped" in client.server_text
    finally:
        await client.close()


async def test_a_request_no_server_takes_is_withdrawn_and_never_runs_later(server, pg_url,
                                                                          account):
    """Nothing done twice: a trader told "no answer" may try again, so the unanswered request
    must not run later on its own."""
    client = await RemoteEngine.open(pg_url, account=account)
    client.commands.answer_seconds = 0.3  # the server is alive but does not poll meanwhile
    try:
        with pytest.raises(DomainError, match="nothing was done"):
            await client.place_order(symbol="BTC/USDT", side="buy", type="market",
                                     amount="0.01")
        await server.step()  # the server polls again: the withdrawn request is not for it
        assert server.executed == [] and server.engine.orders() == []
        db = create_engine(pg_url)
        with db.connect() as conn:
            status, error = conn.execute(text("SELECT status, error FROM commands")).one()
        db.dispose()
        assert status == "refused" and "withdrawn" in error
    finally:
        await client.close()


async def test_a_window_on_a_server_reads_the_working_set_not_all_history(server, pg_url,
                                                                          account,
                                                                          monkeypatch):
    """The local engine keeps in memory open orders and positions and what finished within
    `history_in_memory_days`; the window on a server read every order ever stored (and only
    open positions) at start and on every reconnect. It now reads the same working set;
    older history is still there on demand (History view)."""
    from datetime import timedelta

    from moniqo_desktop.domain import Order
    from moniqo_desktop.domain.orders import utcnow
    from moniqo_desktop.store import Store

    old_at = utcnow() - timedelta(days=30)
    old = Order(symbol="BTC/USDT", side="buy", type="limit", amount="0.01", price="40000",
                created_at=old_at)
    old.update_status(OrderStatus.SUBMITTED, "sent", old_at)
    old.update_status(OrderStatus.CANCELLED, "by the trader", old_at)
    server.store.save(old)
    await server.step()
    recent = await server.engine.place_order(symbol="BTC/USDT", side="buy", type="market",
                                             amount="0.01")
    [held] = server.engine.positions(open_only=True)
    closing = await server.engine.close_position(held.id)
    assert closing is not None and not held.is_open
    await server.step()

    read_all: list[str] = []
    for name in ("load_orders", "load_positions"):
        everything = getattr(Store, name)
        monkeypatch.setattr(Store, name, lambda self, *a, _f=everything, _n=name, **k:
                            (read_all.append(_n), _f(self, *a, **k))[1])
    window = await RemoteEngine.open(pg_url, account=account)
    try:
        assert read_all == []  # no whole-history read at start
        assert {o.id for o in window.orders()} == {recent.id, closing.id}
        assert [p.id for p in window.positions()] == [held.id]  # closed today: kept, as local
        window.refresh_all()  # a reconnect reads the same set
        assert read_all == [] and old.id not in {o.id for o in window.orders()}
        assert old.id in {o.id for o in window.order_history()}  # history on demand
    finally:
        await window.close()
