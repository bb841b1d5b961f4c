"""`Store`: the engine's memory — save and load whole domain objects, log prices, keep app state.

Synchronous on purpose: every call is one short transaction on a local file, cheaper than a
thread hop, so the asyncio engine calls it directly. Writes work in bulk (one SELECT of known
ids per 500 objects, then one executemany per table) because the engine saves every open
position on every cycle. Child rows are append-only: re-saving an order inserts only the fills
and status changes the database does not have yet.

Errors: a database problem (locked, disk full, corrupt, gone) raises `StoreError` naming the
database; a caller bug (a float where money belongs, a naive datetime) raises the TypeError or
ValueError that explains it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    Table,
    Text,
    bindparam,
    cast,
    delete,
    exists,
    extract,
    func,
    insert,
    or_,
    select,
    true,
    type_coerce,
    update,
)
from sqlalchemy.exc import DBAPIError, SQLAlchemyError, StatementError

from ..domain import TERMINAL_STATUSES, Order, Position, RiskThresholds
from ..domain.money import money_context
from ..domain.orders import utcnow
from ..domain.positions import MARK_FIELDS, OPEN_STATUSES
from . import bulk_read, state_codec, unreadable
from .database import (
    BEGIN_OPTION,
    DEFAULT_BUSY_TIMEOUT,
    Location,
    Target,
    create_store_engine,
    resolve,
)
from .errors import StoreError
from .mapping import (
    FILL_READ,
    STATUS_READ,
    Row,
    build_order,
    build_position,
    build_update,
    fill_row,
    group_fills,
    group_history,
    order_row,
    position_row,
    status_row,
    update_row,
)
from .migrate import upgrade_to_head
from .sqlite_file import FileCheck, check_before_opening
from .wal_checkpoints import WalCheckpointer
from .models import (
    app_state,
    order_fills,
    order_status_history,
    orders,
    position_updates,
    positions,
)
from .updates import COLUMN_FIELDS, UPDATE_PAGE_ROWS, PositionUpdate, UpdateColumns

log = logging.getLogger(__name__)

CHUNK = 500  # ids per IN (...) list: far below every database's bound-parameter limit
T = TypeVar("T")


def _chunks(items: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class Store:
    """Persistence for orders, positions, position updates and app state."""

    def __init__(self, engine: Engine, location: Location) -> None:
        """Use `Store.open`; this only wraps an engine whose schema is already at head."""
        self._engine: Engine | None = engine
        self.location = location
        self.instance_lock: Any = None
        """The one-writer lock (`instance_lock.InstanceLock`) this store releases on close."""
        self.write_observers: list[Callable[[bool], None]] = []
        """Called after every write transaction: True when it committed, False when the
        database refused it (how the engine knows the store writes again after a failure)."""
        self.checkpointer: WalCheckpointer | None = (
            WalCheckpointer(location.path).start() if location.path is not None else None)
        """Folds a SQLite file's WAL back off the writers' thread (see `wal_checkpoints`)."""

    # -- lifecycle -----------------------------------------------------------------------------
    @classmethod
    def open(
        cls, target: Target | None = None, *, busy_timeout: float = DEFAULT_BUSY_TIMEOUT,
        early_check: FileCheck | None = None,
    ) -> "Store":
        """Open (creating and migrating as needed) the database at `target`.

        `target` is a file path (Path or str: a SQLite file, parent directories created), any
        SQLAlchemy URL string, or None for `default_db_path()`. Raises `StoreError` when the
        database cannot be used; an existing file that is refused is never modified.
        `early_check`: the file's read-only check, already started on a thread
        (`sqlite_file.FileCheck`); its answer is awaited before anything else touches the file.
        """
        location = resolve(target)
        if location.path is not None:
            check_before_opening(location.path, busy_timeout, early_check)
        engine = create_store_engine(location, busy_timeout)
        try:
            upgrade_to_head(engine, location)
        except SQLAlchemyError as exc:
            engine.dispose()
            raise _store_error(location, "open", exc) from exc
        except BaseException:
            engine.dispose()
            raise
        log.info("store opened at %s", location.label)
        return cls(engine, location)

    @property
    def path(self) -> Path | None:
        """The SQLite file, or None for an in-memory or server database."""
        return self.location.path

    @property
    def closed(self) -> bool:
        return self._engine is None

    def close(self) -> None:
        """Release every connection (SQLite then folds the WAL back into the main file)."""
        if self.checkpointer is not None:
            checkpointer, self.checkpointer = self.checkpointer, None
            checkpointer.stop()
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None
        if self.instance_lock is not None:
            lock, self.instance_lock = self.instance_lock, None
            lock.release()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self.closed else "open"
        return f"<Store {self.location.label} ({state})>"

    @contextmanager
    def _transaction(self, action: str, *, write: bool) -> Iterator[Connection]:
        """One transaction; database failures become StoreError, caller bugs stay themselves."""
        if self._engine is None:
            raise StoreError(f"cannot {action}: the store for {self.location.label} is closed")
        try:
            with self._engine.connect() as conn:
                if write:
                    conn.execution_options(**{BEGIN_OPTION: "BEGIN IMMEDIATE"})
                with conn.begin():
                    yield conn
        except StatementError as exc:
            if not isinstance(exc, DBAPIError) and isinstance(exc.orig, (TypeError, ValueError)):
                raise exc.orig from None  # a bad value handed to a column type
            self._wrote(write, False)
            raise _store_error(self.location, action, exc) from exc
        except SQLAlchemyError as exc:
            self._wrote(write, False)
            raise _store_error(self.location, action, exc) from exc
        except (ValueError, ArithmeticError) as exc:
            if write:
                raise  # a caller's bad value (a write converts what it is given)
            # A read converts what is stored: a value that does not parse is the database's
            # problem, named by table, row and column.
            raise unreadable.locate(self._engine, self.location.label, exc) from exc
        else:
            self._wrote(write, True)

    def _wrote(self, write: bool, ok: bool) -> None:
        if write:
            for observer in list(self.write_observers):
                observer(ok)

    # -- orders and positions ------------------------------------------------------------------
    def save(self, *objects: Order | Position) -> None:
        """Insert or update any mix of orders and positions, all in one transaction."""
        order_map: dict[str, Order] = {}
        position_map: dict[str, Position] = {}
        for obj in objects:
            if isinstance(obj, Order):
                order_map[obj.id] = obj
            elif isinstance(obj, Position):
                position_map[obj.id] = obj
            else:
                raise TypeError(
                    f"save() takes Order and Position objects (unpack lists: save(*items)), "
                    f"not {type(obj).__name__}"
                )
        if not order_map and not position_map:
            return
        with self._transaction("save", write=True) as conn:
            if position_map:
                _upsert(conn, positions, [position_row(p) for p in position_map.values()])
            if order_map:
                _save_orders(conn, list(order_map.values()))

    def save_marks(self, items: Sequence[Position]) -> None:
        """Write what marking to a price changed (`MARK_FIELDS`) of positions already stored,
        in one transaction: one narrow UPDATE per row, no existence check. (A full `save` of
        25 positions converts and writes every column of each, ~10 ms on the event loop per
        batch.) A position the store does not have yet is written whole, in the same
        transaction, so nothing is lost either way."""
        if not items:
            return
        rows = [{"_key": p.id, **{name: getattr(p, name) for name in MARK_FIELDS}}
                for p in items]
        with self._transaction("save marks", write=True) as conn:
            result = conn.execute(_MARKS_UPDATE, rows)
            if result.rowcount != len(rows):  # a row missing: write those positions whole
                _upsert(conn, positions, [position_row(p) for p in items])

    def load_orders(self, open_only: bool = False) -> list[Order]:
        """All orders (or those not yet in a terminal status), oldest first."""
        where = orders.c.status.not_in(list(TERMINAL_STATUSES)) if open_only else true()
        with self._transaction("load orders", write=False) as conn:
            return _load_orders(conn, where)

    def load_working_orders(self, since: datetime) -> list[Order]:
        """What an engine keeps in memory, oldest first: orders not finished, finished at or
        after `since` (by their last status change), or belonging to an open position (its
        entry, its exit, any order of it). Older history stays in the store (`load_orders`);
        a start used to read all of it only to drop it again."""
        live = select(positions.c.id).where(positions.c.status.in_(list(OPEN_STATUSES)))
        h = order_status_history
        where = or_(
            orders.c.status.not_in(list(TERMINAL_STATUSES)),
            orders.c.created_at >= since,
            exists().where(h.c.order_id == orders.c.id, h.c.at >= since),
            orders.c.position_id.in_(live),
            orders.c.id.in_(select(positions.c.entry_order_id).where(
                positions.c.id.in_(live))),
            orders.c.id.in_(select(positions.c.exit_order_id).where(
                positions.c.id.in_(live))),
        )
        with self._transaction("load orders", write=False) as conn:
            return _load_orders(conn, where)

    def get_order(self, order_id: str) -> Order | None:
        with self._transaction("load an order", write=False) as conn:
            found = _load_orders(conn, orders.c.id == order_id)
        return found[0] if found else None

    def get_order_by_client_id(self, client_order_id: str) -> Order | None:
        with self._transaction("load an order", write=False) as conn:
            found = _load_orders(conn, orders.c.client_order_id == client_order_id)
        return found[0] if found else None

    def load_orders_by_id(self, ids: Iterable[str]) -> list[Order]:
        """These orders (those that exist), oldest first: what a window re-reads when the
        server names the orders it changed."""
        wanted = list(dict.fromkeys(ids))
        found: list[Order] = []
        with self._transaction("load orders", write=False) as conn:
            for chunk in _chunks(wanted):
                found.extend(_load_orders(conn, orders.c.id.in_(chunk)))
        return sorted(found, key=lambda o: (o.created_at, o.id))

    def load_positions_by_id(
        self, ids: Iterable[str], *, risk_thresholds: RiskThresholds | None = None
    ) -> list[Position]:
        """These positions (those that exist), oldest first."""
        wanted = list(dict.fromkeys(ids))
        found: list[Position] = []
        with self._transaction("load positions", write=False) as conn:
            for chunk in _chunks(wanted):
                found.extend(_load_positions(conn, positions.c.id.in_(chunk), risk_thresholds))
        return sorted(found, key=lambda p: (p.opened_at, p.id))

    def load_positions(
        self, open_only: bool = False, *, risk_thresholds: RiskThresholds | None = None
    ) -> list[Position]:
        """All positions (or those opening, open or closing), oldest first.

        Risk thresholds are settings, not stored: pass the current ones to have them applied.
        """
        where = positions.c.status.in_(list(OPEN_STATUSES)) if open_only else true()
        return self._load_positions(where, risk_thresholds)

    def load_working_positions(
        self, since: datetime, *, risk_thresholds: RiskThresholds | None = None
    ) -> list[Position]:
        """What an engine keeps in memory, oldest first: positions still open, and closed
        ones closed at or after `since` (`load_positions` has them all)."""
        where = or_(positions.c.status.in_(list(OPEN_STATUSES)), positions.c.closed_at.is_(None),
                    positions.c.closed_at >= since)
        return self._load_positions(where, risk_thresholds)

    def _load_positions(
        self, where: ColumnElement[bool], risk_thresholds: RiskThresholds | None
    ) -> list[Position]:
        with self._transaction("load positions", write=False) as conn:
            return _load_positions(conn, where, risk_thresholds)

    def get_position(
        self, position_id: str, *, risk_thresholds: RiskThresholds | None = None
    ) -> Position | None:
        with self._transaction("load a position", write=False) as conn:
            found = _load_positions(conn, positions.c.id == position_id, risk_thresholds)
        return found[0] if found else None

    # -- position updates ----------------------------------------------------------------------
    def add_position_updates(self, rows: Iterable[PositionUpdate]) -> int:
        """Append price samples (their positions must be saved already); returns how many."""
        values = [update_row(u) for u in rows]
        if not values:
            return 0
        with self._transaction("save position updates", write=True) as conn:
            conn.execute(insert(position_updates), values)
        return len(values)

    def position_updates(
        self, position_id: str, since: datetime | None = None
    ) -> list[PositionUpdate]:
        """One position's samples in time order, optionally from `since` (inclusive)."""
        t = position_updates
        query = select(t).where(t.c.position_id == position_id)
        if since is not None:
            query = query.where(t.c.at >= since)
        with self._transaction("load position updates", write=False) as conn:
            result = conn.execute(query.order_by(t.c.at, t.c.id)).mappings()
            return [build_update(row) for row in result]

    def position_update_columns(
        self, position_id: str, since: datetime | None = None
    ) -> UpdateColumns:
        """The same samples as `position_updates`, as float columns for the chart.

        One row comes back: each column joined into one text by the database, parsed by
        numpy. No Decimal, datetime, row or dataclass is built per sample, so a week of
        one-second samples loads in about a second instead of tens. That second is one
        blocking call: a window reads long histories with `position_update_pages` instead.
        """
        t = position_updates
        rows = self._update_rows(position_id, since).order_by(t.c.at, t.c.id).subquery()
        with self._transaction("load position updates", write=False) as conn:
            count, _, _, times, texts = self._joined_updates(
                conn, self._joined_updates_query(rows, conn.dialect.name == "sqlite"))
            return UpdateColumns.parse(count, times, texts)

    def position_update_pages(
        self, position_id: str, since: datetime | None = None, rows: int = UPDATE_PAGE_ROWS
    ) -> Iterator[UpdateColumns]:
        """The same samples as `position_update_columns`, `rows` at a time, the NEWEST page
        first (each page in time order): the chart's read of a long history.

        A week of one-second samples is one 600 000-row read: seconds of CPU in one call on
        the GUI thread. Each page here is its own short read (a few ms at 1 000 rows, an
        index-only range scan on `ix_position_updates_chart`, migration 0007), so the caller
        can hand the event loop back between pages, and the newest page - what a trader looks
        at first - can be drawn before the rest is read. Pages follow each other by the key
        (at, id), so samples written between two pages are neither lost nor read twice.
        """
        if rows < 1:
            raise ValueError("a page holds at least one sample")
        t = position_updates
        sqlite = self.location.is_sqlite
        query = self._update_rows(position_id, since).order_by(t.c.at.desc(), t.c.id.desc())
        below_at = bindparam("below_at", type_=t.c.at.type)
        # built once, run per page with new bounds (building costs more than a page's read)
        first, older = (
            self._joined_updates_query(
                select(newest).order_by(newest.c.at, newest.c.id).subquery(), sqlite)
            for newest in (
                query.limit(rows).subquery(),
                query.where(t.c.at <= below_at, (t.c.at < below_at)
                            | (t.c.id < bindparam("below_id"))).limit(rows).subquery(),
            ))
        bounds: dict[str, Any] = {}
        while True:
            with self._transaction("load position updates", write=False) as conn:
                count, oldest, ids, times, texts = self._joined_updates(
                    conn, older if bounds else first, bounds)
            if count:
                yield UpdateColumns.parse(count, times, texts)
            if count < rows:
                return
            # the next page is strictly older than this one's oldest (at, id)
            bounds = {"below_at": oldest, "below_id": int(ids[times == times.min()].min())}

    @staticmethod
    def _update_rows(position_id: str, since: datetime | None) -> Any:
        t = position_updates
        # only the columns the chart draws (and the key), so the covering index answers alone
        query = select(t.c.at, t.c.id, *(t.c[name] for name in COLUMN_FIELDS[1:])).where(
            t.c.position_id == position_id)
        return query if since is None else query.where(t.c.at >= since)

    @staticmethod
    def _joined_updates_query(rows: Any, sqlite: bool) -> Any:
        """One aggregate row over the samples `rows` selects: the count, the oldest `at`,
        then the times, the ids and each of `COLUMN_FIELDS[1:]` joined into one text."""
        # SQLite keeps the naive UTC text "YYYY-MM-DD HH:MM:SS.ffffff", which numpy
        # parses; other databases give the epoch of their timestamp
        at = type_coerce(rows.c.at, Text) if sqlite else cast(extract("epoch", rows.c.at), Text)
        texts = [at, cast(rows.c.id, Text)] + [
            type_coerce(rows.c[name], Text) for name in COLUMN_FIELDS[1:]]
        stop = 1 + COLUMN_FIELDS.index("stop_loss")
        texts[stop] = func.coalesce(texts[stop], "nan")  # joining would skip a NULL
        return select(func.count(), func.min(rows.c.at),
                      *(func.aggregate_strings(x, ",") for x in texts))

    @staticmethod
    def _joined_updates(
        conn: Connection, query: Any, params: dict[str, Any] | None = None
    ) -> tuple[int, datetime | None, np.ndarray, np.ndarray, list[str | None]]:
        """Run a `_joined_updates_query`: count, the oldest `at`, ids, times (epoch seconds)
        and the other columns' joined texts."""
        count, oldest, *joined = conn.execute(query, params or {}).one()
        if conn.dialect.name == "sqlite":
            stamps = joined[0].split(",") if count else []
            times = np.array(stamps, dtype="datetime64[us]").astype(np.int64) / 1e6
        else:
            times = np.fromstring(joined[0] or "", sep=",")
        ids = np.fromstring(joined[1], sep=",", dtype=np.int64) if count else \
            np.empty(0, np.int64)
        return count, oldest, ids, times, joined[2:]

    def prune_position_updates(self, older_than: datetime) -> int:
        """Delete samples taken before `older_than`; returns the number of rows deleted."""
        with self._transaction("prune position updates", write=True) as conn:
            t = position_updates
            result = conn.execute(delete(t).where(t.c.at < older_than))
            return int(result.rowcount or 0)

    # -- app state -----------------------------------------------------------------------------
    def get_state(self, key: str) -> Any | None:
        """The value stored under `key` (Decimals and datetimes restored), or None."""
        with self._transaction("read app state", write=False) as conn:
            text = conn.execute(
                select(app_state.c.value).where(app_state.c.key == key)
            ).scalar_one_or_none()
        return None if text is None else state_codec.loads(text)

    def set_state(self, key: str, value: Any) -> None:
        """Store a JSON-able value: dict, list, str, int, float, bool, None, Decimal, datetime."""
        text = state_codec.dumps(value)  # fail on an unstorable value before touching the db
        with self._transaction("save app state", write=True) as conn:
            _upsert(conn, app_state, [{"key": key, "value": text, "updated_at": utcnow()}], "key")


# -- bulk helpers -----------------------------------------------------------------------------

_MARKS_UPDATE = update(positions).where(positions.c.id == bindparam("_key"))
"""`save_marks`' statement: its SET clause is the parameters' columns (`MARK_FIELDS`)."""


def _upsert(conn: Connection, table: Table, rows: list[Row], key: str = "id") -> set[Any]:
    """Insert new rows and update existing ones by `key`; returns the keys that already existed."""
    key_col = table.c[key]
    existing: set[Any] = set()
    for chunk in _chunks([row[key] for row in rows]):
        existing.update(conn.scalars(select(key_col).where(key_col.in_(chunk))))
    fresh = [row for row in rows if row[key] not in existing]
    known = [
        {"_key": row[key], **{k: v for k, v in row.items() if k != key}}
        for row in rows
        if row[key] in existing
    ]
    if fresh:
        conn.execute(insert(table), fresh)
    if known:
        conn.execute(update(table).where(key_col == bindparam("_key")), known)
    return existing


def _save_orders(conn: Connection, items: list[Order]) -> None:
    existing = _upsert(conn, orders, [order_row(o) for o in items])
    known_fills: set[tuple[str, str]] = set()
    last_sequence: dict[str, int] = {}
    h = order_status_history
    for chunk in _chunks([o.id for o in items if o.id in existing]):
        fill_query = select(order_fills.c.order_id, order_fills.c.fill_id).where(
            order_fills.c.order_id.in_(chunk)
        )
        known_fills.update((oid, fid) for oid, fid in conn.execute(fill_query))
        history_query = (
            select(h.c.order_id, func.max(h.c.sequence))
            .where(h.c.order_id.in_(chunk))
            .group_by(h.c.order_id)
        )
        last_sequence.update((oid, last) for oid, last in conn.execute(history_query))
    new_fills = [
        fill_row(o.id, seq, f)
        for o in items
        for seq, f in enumerate(o.fills)
        if (o.id, f.fill_id) not in known_fills
    ]
    new_history = [
        status_row(o.id, seq, change)
        for o in items
        for seq, change in enumerate(o.history)
        if seq > last_sequence.get(o.id, -1)
    ]
    if new_fills:
        conn.execute(insert(order_fills), new_fills)
    if new_history:
        conn.execute(insert(h), new_history)


def _load_orders(conn: Connection, where: ColumnElement[bool]) -> list[Order]:
    """Orders matching `where`, with fills and history: the orders in one query, then their
    fills and their history by id (`where` is evaluated once: it can be costly, e.g. the
    working set's), values converted column by column (`bulk_read`)."""
    rows = bulk_read.read(conn, list(orders.columns), lambda query: query.where(where).order_by(
        orders.c.created_at, orders.c.id))
    if not rows:
        return []
    f, h = order_fills, order_status_history
    fill_rows: list[tuple[Any, ...]] = []
    history_rows: list[tuple[Any, ...]] = []
    for chunk in _chunks([row["id"] for row in rows]):
        fill_rows += bulk_read.read_tuples(conn, FILL_READ, lambda query: query.where(
            f.c.order_id.in_(chunk)).order_by(f.c.order_id, f.c.seq))
        history_rows += bulk_read.read_tuples(conn, STATUS_READ, lambda query: query.where(
            h.c.order_id.in_(chunk)).order_by(h.c.order_id, h.c.sequence))
    with money_context():  # one switch of decimal context for all of them, not one per object
        fills, history = group_fills(fill_rows), group_history(history_rows)
        return [build_order(row, fills.get(row["id"], []), history.get(row["id"], []))
                for row in rows]


def _load_positions(conn: Connection, where: ColumnElement[bool],
                    risk_thresholds: RiskThresholds | None) -> list[Position]:
    """Positions matching `where`, oldest first, values converted column by column."""
    rows = bulk_read.read(conn, list(positions.columns), lambda query: query.where(
        where).order_by(positions.c.opened_at, positions.c.id))
    with money_context():
        return [build_position(row, risk_thresholds) for row in rows]


def _store_error(location: Location, action: str, exc: SQLAlchemyError) -> StoreError:
    orig = getattr(exc, "orig", None) or exc
    text = str(orig).splitlines()[0] if str(orig) else type(orig).__name__
    if "locked" in text or "busy" in text.lower():
        return StoreError(
            f"could not {action}: the database {location.label} is locked by another program "
            f"({text})"
        )
    return StoreError(f"could not {action}: the database {location.label} reported: {text}")
