"""The paper account lives in our store, because the paper exchange lives in our process.

An always-on venue (a real exchange) is the truth about its own balances and orders; a venue
that only exists while the app runs (the paper exchange) keeps its books in our store instead:
at start-up the engine attaches the store's paper journal (`store.paper_journal`) to it, and from
then on the venue writes each change itself, before it answers the call that made it. What is
left for the engine is the venue's last prices, saved now and then and at close — never every
cycle, and never mixed with the books.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from ..store.paper_journal import PaperJournal
from .context import EngineContext

PRICES_EVERY = timedelta(minutes=1)


def keeps_state_here(exchange: Any) -> bool:
    return hasattr(exchange, "attach_journal") and not getattr(exchange, "always_on", False)


def restore(ctx: EngineContext) -> None:
    """Attach the journal (resuming the account it holds, or importing the old JSON once)."""
    exchange: Any = ctx.exchange
    if keeps_state_here(exchange):
        journal = PaperJournal(ctx.store, exchange.id)
        legacy = None if journal.exists() else journal.legacy_snapshot()
        exchange.attach_journal(journal, legacy)
        if legacy is not None:
            journal.drop_legacy()
        ctx.venue_prices_saved_at = ctx.clock()
        # the paper market goes on from where it was, not from its feed's defaults
        resume = getattr(getattr(exchange, "feed", None), "resume_from", None)
        if callable(resume):
            resume(exchange.prices)


def save(ctx: EngineContext, final: bool = False) -> None:
    """Every cycle asks; the prices are written once a minute (and when `final`)."""
    exchange: Any = ctx.exchange
    if not keeps_state_here(exchange):
        return
    now = ctx.clock()
    last = ctx.venue_prices_saved_at
    if final or last is None or now - last >= PRICES_EVERY:
        exchange.save_prices()
        ctx.venue_prices_saved_at = now


def detach(ctx: EngineContext) -> None:
    """The store is closing: the venue object may outlive it, but must not write into it."""
    exchange: Any = ctx.exchange
    if keeps_state_here(exchange):
        exchange.attach_journal(None)
