"""LISTEN 'moniqo': how a `--connect` window hears that the server wrote something.

One psycopg async connection per window, on the running loop (under qasync that is the Qt
thread: psycopg waits on the socket with the loop's `add_reader`, so nothing blocks and no
thread is needed). No table is polled: a notification names the kind that changed (and, when
few, the ids), and the window re-reads only that. If the connection drops, the listener
reconnects with backoff and calls `on_reconnect` once it listens again, so the window re-reads
everything it may have missed meanwhile.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

import psycopg
from sqlalchemy import URL

from ..store import notify

log = logging.getLogger(__name__)

RETRY_SECONDS = (0.5, 1.0, 2.0, 5.0, 10.0)


def conninfo(url: URL) -> str:
    """The libpq URI of a SQLAlchemy URL (`postgresql+psycopg://…` -> `postgresql://…`)."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


class Listener:
    """`await Listener(url, account, on_notice).start()`: listening when it returns."""

    def __init__(self, url: URL, account: str, on_notice: Callable[[dict[str, Any]], None], *,
                 on_reconnect: Callable[[], None] | None = None,
                 on_lost: Callable[[str], None] | None = None) -> None:
        self.url = url
        self.account = account
        self.on_notice = on_notice
        self.on_reconnect = on_reconnect
        self.on_lost = on_lost
        self.received = 0
        self._conn: psycopg.AsyncConnection[Any] | None = None
        self._task: asyncio.Task[None] | None = None
        self._closed = False

    async def start(self) -> None:
        """Connect and LISTEN now (errors raise: the window cannot start without it), then
        read notifications in the background."""
        self._conn = await self._connect()
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def _connect(self) -> psycopg.AsyncConnection[Any]:
        conn = await psycopg.AsyncConnection.connect(
            conninfo(self.url), autocommit=True, application_name="moniqo-desktop window")
        await conn.execute(f"LISTEN {notify.CHANNEL}")
        return conn

    async def _run(self) -> None:
        attempt = 0
        while not self._closed:
            conn = self._conn
            try:
                if conn is None:
                    conn = self._conn = await self._connect()
                    attempt = 0
                    if self.on_reconnect is not None:
                        self.on_reconnect()
                async for note in conn.notifies():
                    self._deliver(note.payload)
            except asyncio.CancelledError:
                raise
            except psycopg.Error as exc:
                if self._closed:
                    return
                log.warning("lost the server's notifications (%s); reconnecting", exc)
                if self.on_lost is not None:
                    self.on_lost(str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
                await self._drop()
                await asyncio.sleep(RETRY_SECONDS[min(attempt, len(RETRY_SECONDS) - 1)])
                attempt += 1

    def _deliver(self, text: str) -> None:
        body = notify.parse(text)
        if body is None or body.get("account") != self.account:
            return  # another account's server, or not ours at all
        self.received += 1
        try:
            self.on_notice(body)
        except Exception:  # one bad refresh must not end the listening
            log.exception("handling the notification %s failed", text)

    async def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                await conn.close()
            except psycopg.Error:
                pass

    async def close(self) -> None:
        self._closed = True
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        await self._drop()
