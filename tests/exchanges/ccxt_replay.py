"""Replay recorded HTTP bodies through a real ccxt exchange, offline.

Why this shape: the adapter's value is in how it drives ccxt (which params it sends, which
endpoint ccxt picks, how ccxt parses and which exception ccxt raises). A hand-written fake of
ccxt's methods would test none of that. So, like ccxt's own static request/response tests, we
replace only the lowest layer — `exchange.fetch(url, method, headers, body)`, the aiohttp call —
and keep everything above it real: request building and signing, `handle_errors` (Binance's
-2010/-2013/-1013 bodies), `handle_http_status_code` (429, 418, 5xx) and response parsing.

Every outgoing request is recorded (method, path, query/body params) so tests can assert what
went out. A request nobody recorded a response for fails loudly with `UnrecordedRequest`, which
is deliberately not a ccxt exception so the adapter cannot map it into our error family.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import ccxt.async_support as ccxt_async

from moniqo_desktop.exchanges.ccxt_exchange import CcxtExchange
from moniqo_desktop.exchanges.ccxt_retry import RetryPolicy

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"

# Errors the fetch layer itself raises (aiohttp failures), by the name a fixture uses.
TRANSPORT_ERRORS: dict[str, type[Exception]] = {
    "RequestTimeout": ccxt_async.RequestTimeout,
    "ExchangeNotAvailable": ccxt_async.ExchangeNotAvailable,
    "NetworkError": ccxt_async.NetworkError,
}


class UnrecordedRequest(AssertionError):
    """The code under test sent a request the test did not provide a recording for."""


@dataclass(frozen=True)
class Request:
    """One request as it left ccxt (after signing)."""

    method: str
    url: str
    path: str
    query: dict[str, str]
    body: dict[str, Any]
    headers: dict[str, str]

    @property
    def params(self) -> dict[str, Any]:
        """Query and body params together: Binance signs everything into the query string."""
        return {**self.query, **self.body}


@dataclass(frozen=True)
class Recording:
    """A recorded response (or transport failure) for one method + path."""

    name: str
    method: str
    path: str
    status: int = 200
    reason: str = "OK"
    body: Any = None
    text: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    raises: str | None = None

    @classmethod
    def load(cls, exchange: str, name: str) -> "Recording":
        data = json.loads((FIXTURES / exchange / f"{name}.json").read_text())
        req, resp = data["request"], data.get("response", {})
        return cls(
            name=name,
            method=req["method"].upper(),
            path=req["path"],
            status=resp.get("status", 200),
            reason=resp.get("reason", "OK"),
            body=resp.get("body"),
            text=resp.get("text"),
            headers=resp.get("headers", {"Content-Type": "application/json"}),
            raises=data.get("raises"),
        )

    def response_text(self) -> str:
        return self.text if self.text is not None else json.dumps(self.body)


def _parse_body(body: Any, headers: dict[str, str]) -> dict[str, Any]:
    if not body:
        return {}
    if isinstance(body, (bytes, bytearray)):
        body = body.decode()
    if isinstance(body, str):
        stripped = body.strip()
        if stripped.startswith(("{", "[")):
            parsed = json.loads(stripped)
            return parsed if isinstance(parsed, dict) else {"_": parsed}
        return dict(parse_qsl(body, keep_blank_values=True))
    return {"_": body}


SENT_CLIENT_ID = ("newClientOrderId", "orderLinkId", "clOrdId", "clientOid", "cl_ord_id",
                  "client_order_id")
ANSWERED_CLIENT_ID = (r'"(?:clientOrderId|orderLinkId|clOrdId|clientOid|cl_ord_id|client_order_id)"'
                      r':\s*"([^"]+)"')


class Replay:
    """Queues of recordings per (method, path), installed as `exchange.fetch`."""

    def __init__(self, exchange_id: str, echo_client_ids: bool = False,
                 client_ids: dict[str, str] | None = None) -> None:
        self.exchange_id = exchange_id
        # A venue answers with the client id it was sent; recordings carry the one of the day
        # they were made. With echo_client_ids, a recorded id is answered as the id the create
        # request sent (and from then on in every answer), as the venue would.
        self.echo_client_ids = echo_client_ids
        self.client_ids: dict[str, str] = {} if client_ids is None else client_ids
        """recorded client id -> the one answered (pass it on to the replay of a restart)"""
        self._queues: dict[tuple[str, str], deque[Recording]] = {}
        self._sticky: dict[tuple[str, str], Recording] = {}
        self.requests: list[Request] = []
        self.unmatched: list[Request] = []

    # -- scripting ------------------------------------------------------------------------
    def add(self, *names: str, sticky: bool = False) -> "Replay":
        """Queue fixtures by file name; a sticky one answers every later matching request."""
        for name in names:
            rec = Recording.load(self.exchange_id, name)
            key = (rec.method, rec.path)
            if sticky:
                self._sticky[key] = rec
            else:
                self._queues.setdefault(key, deque()).append(rec)
        return self

    def add_at(self, name: str, method: str, path: str) -> "Replay":
        """Queue a fixture's answer for another request: the same error body as the venue
        sends it for every endpoint (its rate limit, say), without copying the body."""
        rec = dataclasses.replace(Recording.load(self.exchange_id, name),
                                  method=method.upper(), path=path)
        self._queues.setdefault((rec.method, rec.path), deque()).append(rec)
        return self

    def answer_always(self, method: str, path: str, body: Any) -> "Replay":
        """Answer every `method path` request with `body` (a test's own account-kind answer,
        where no recording of that account kind exists)."""
        rec = Recording(name=f"{method} {path}", method=method.upper(), path=path, body=body)
        self._sticky[(rec.method, rec.path)] = rec
        return self

    def fail(self, method: str, path: str, raises: str = "RequestTimeout", times: int = 1) -> "Replay":
        """Queue transport failures (no body at all) for a method + path."""
        for _ in range(times):
            rec = Recording(name=f"{raises}:{path}", method=method.upper(), path=path, raises=raises)
            self._queues.setdefault((rec.method, rec.path), deque()).append(rec)
        return self

    def pending(self) -> list[str]:
        """Queued recordings nobody asked for (a test that expected a request that never came)."""
        return [rec.name for q in self._queues.values() for rec in q]

    def sent(self, method: str | None = None, path: str | None = None) -> list[Request]:
        return [
            r for r in self.requests
            if (method is None or r.method == method.upper()) and (path is None or r.path == path)
        ]

    def last(self, method: str | None = None, path: str | None = None) -> Request:
        found = self.sent(method, path)
        if not found:
            raise AssertionError(f"no {method or ''} {path or ''} request was sent")
        return found[-1]

    # -- the fetch layer ------------------------------------------------------------------
    def install(self, exchange: Any) -> Any:
        """Replace `exchange.fetch` (ccxt's aiohttp layer) with this replay."""

        async def fetch(url: str, method: str = "GET", headers: Any = None, body: Any = None):
            return self._answer(exchange, url, method, headers or {}, body)

        exchange.fetch = fetch
        return exchange

    def _answer(self, exchange: Any, url: str, method: str, headers: dict, body: Any) -> Any:
        split = urlsplit(url)
        request = Request(
            method=method.upper(),
            url=url,
            path=split.path,
            query=dict(parse_qsl(split.query, keep_blank_values=True)),
            body=_parse_body(body, headers),
            headers=dict(headers),
        )
        self.requests.append(request)
        key = (request.method, request.path)
        queue = self._queues.get(key)
        if queue:
            rec = queue.popleft()
        elif key in self._sticky:
            rec = self._sticky[key]
        else:
            self.unmatched.append(request)
            raise UnrecordedRequest(
                f"no recording for {request.method} {request.path} "
                f"(params {sorted(request.params)})"
            )
        if rec.raises:
            raise TRANSPORT_ERRORS[rec.raises](f"{exchange.id} {method} {url}")
        # What ccxt's own fetch does after aiohttp returns: parse, then let the exchange's
        # error handlers and the generic HTTP status table turn error bodies into exceptions.
        text = self._echo(request, rec.response_text())
        parsed = exchange.parse_json(text)
        exchange.last_http_response = text
        exchange.last_json_response = parsed
        exchange.last_response_headers = rec.headers
        exchange.handle_errors(
            rec.status, rec.reason, url, method, rec.headers, text, parsed, headers, body
        )
        exchange.handle_http_status_code(rec.status, rec.reason, url, method, text)
        return parsed if parsed is not None else text


    def _echo(self, request: Request, text: str) -> str:
        if not self.echo_client_ids:
            return text
        # the create's client-id param per venue (Binance, Bybit, OKX, Bitget/KuCoin, Kraken,
        # Coinbase) and the field the venue answers it in
        sent = next((request.params[k] for k in SENT_CLIENT_ID if request.params.get(k)), None)
        if sent is None and isinstance(request.body.get("_"), list) and request.body["_"]:
            sent = request.body["_"][0].get("clOrdId")  # OKX batch-orders
        if sent:
            for recorded in re.findall(ANSWERED_CLIENT_ID, text):
                self.client_ids.setdefault(recorded, sent)
        for recorded, ours in self.client_ids.items():
            text = text.replace(f'"{recorded}"', f'"{ours}"')
        return text


# -- clients answered by recordings (shared by the exchange and engine tests) ---------------
TEST_KEY = "test-api-key-7f3a9c"
TEST_SECRET = "test-secret-b81d4e0a"
TEST_PASSWORD = "test-passphrase-55"


class SleepRecorder:
    """An instant `sleep` that remembers the delays asked for (backoff is asserted, not waited)."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)



def replayed(exchange_id: str, replay: Replay, sleeps: SleepRecorder, **kwargs) -> CcxtExchange:
    """A `CcxtExchange` whose ccxt client answers from `replay` (only the HTTP layer is replaced)."""
    exchange = CcxtExchange(
        exchange_id,
        api_key=kwargs.pop("api_key", TEST_KEY),
        secret=kwargs.pop("secret", TEST_SECRET),
        retry=RetryPolicy(attempts=3, base_delay=0.5),
        sleep=sleeps,
        # offline: no 250 ms pause on close, and no real-time pacing by ccxt's throttle (the
        # production default, enableRateLimit=True, is asserted in test_ccxt_client)
        ccxt_options={"timeout_on_exit": 0, "enableRateLimit": False, **kwargs.pop("ccxt_options", {})},
        **kwargs,
    )
    replay.install(exchange.client)
    return exchange
