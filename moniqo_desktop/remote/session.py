"""What `--connect` puts in the window's hands instead of a local composition.

The window's start-up (app.py) builds either the local parts (`compose.compose`: venue, store,
engine, paper feed) or these: a `RemoteEngine` on the server's database and nothing else — no
venue, no keys, no price feed, no lock. Both offer `engine`, `note`, `start()` and `close()`, so
the window's start-up and teardown are the same code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..config import Settings
from ..engine.events import EventBus
from ..store import StoreError
from ..store.database import resolve
from .engine import RemoteEngine


@dataclass
class RemoteSession:
    engine: RemoteEngine
    note: str | None = None

    def start(self, on_status: Any = None) -> None:
        """The server runs the jobs and the market; nothing starts here."""

    async def close(self) -> None:
        await self.engine.close()


def server_label(url: str) -> str:
    """The database as messages name it: the URL without its password."""
    try:
        return resolve(url).label
    except StoreError:
        return "the server"


async def connect(url: str, *, account: str = "default", settings: Settings | None = None,
                  bus: EventBus | None = None) -> RemoteSession:
    """Open the window's engine on a server's database (raises `StoreError` with a line a
    trader can act on)."""
    engine = await RemoteEngine.open(url, account=account, settings=settings, bus=bus)
    return RemoteSession(engine)
