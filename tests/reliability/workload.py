"""The seeded trading workload the crash harness and the fault soak run on the paper venue:
entries with protection (market and limit), price paths that trigger stops and targets,
manual closes and cancels — every action through the engine's public API."""

from __future__ import annotations

import random
from decimal import Decimal

from moniqo_desktop.domain import DomainError
from moniqo_desktop.engine import Engine
from moniqo_desktop.exchanges import DemoExchange

D = Decimal
PRICES = {"BTC/USDT": D("50000"), "ETH/USDT": D("3000")}
DEPOSIT = {"USDT": D("1000000")}
AMOUNTS = {"BTC/USDT": ("0.01", "0.02", "0.05"), "ETH/USDT": ("0.1", "0.5", "1")}


def paper_venue() -> DemoExchange:
    return DemoExchange(prices=PRICES, balances=DEPOSIT, allow_short=False)


async def step(engine: Engine, venue: DemoExchange, rng: random.Random) -> str:
    """One random action, then one engine cycle. Returns what it did (for logs)."""
    action = rng.choices(["price", "market", "limit", "close", "cancel"],
                         weights=[50, 15, 10, 8, 6])[0]
    symbol = rng.choice(list(PRICES))
    price = venue.prices[symbol]
    try:
        if action == "price":
            move = D(rng.randint(-40, 40)) / D(10000)  # up to ±0.4 % a step
            venue.set_price(symbol, (price * (1 + move)).quantize(D("0.01")))
        elif action in ("market", "limit"):
            amount = rng.choice(AMOUNTS[symbol])
            stop = (price * D("0.99")).quantize(D("0.01"))
            target = (price * D("1.01")).quantize(D("0.01"))
            limit = (price * D("0.999")).quantize(D("0.01")) if action == "limit" else None
            await engine.place_order(symbol=symbol, side="buy", type=action, amount=amount,
                                     price=limit, stop_loss=stop, take_profit=target)
        elif action == "close":
            open_positions = engine.positions(open_only=True)
            if open_positions:
                await engine.close_position(rng.choice(open_positions).id)
        elif action == "cancel":
            live = [o for o in engine.orders() if o.is_open() and o.type.value == "limit"]
            if live:
                await engine.cancel_order(rng.choice(live).id)
    except DomainError as exc:  # a refusal the trader would see: part of the workload
        action += f" refused ({exc})"
    await engine.run_cycle()
    return action
