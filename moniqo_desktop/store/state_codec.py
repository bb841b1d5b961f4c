"""JSON for `app_state` that gives back what was put in, Decimals and datetimes included.

Plain JSON would turn Decimal("0.1") into the float 0.1 (or refuse it). Values are tagged
instead — ``{"__decimal__": "0.1"}``, ``{"__datetime__": "2024-01-01T00:00:00+00:00"}`` — and
untagged on read, so callers (e.g. the paper exchange's account) store and get back real
Decimals without converting anything. Consequences worth knowing: a dict whose only key is one of
these tags is read back as that value; tuples come back as lists; dict keys must be strings; NaN
and infinities are refused.
"""

from __future__ import annotations

import json
from datetime import datetime
from decimal import Decimal
from typing import Any

DECIMAL_TAG = "__decimal__"
DATETIME_TAG = "__datetime__"


def _encode(value: Any) -> Any:
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"cannot store a non-finite Decimal ({value})")
        return {DECIMAL_TAG: str(value)}
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError(
                f"refusing a naive datetime ({value.isoformat()}): give it a time zone"
            )
        return {DATETIME_TAG: value.isoformat()}
    raise TypeError(f"app state cannot hold a {type(value).__name__} ({value!r})")


def _decode(obj: dict[str, Any]) -> Any:
    if len(obj) == 1:
        if DECIMAL_TAG in obj:
            return Decimal(obj[DECIMAL_TAG])
        if DATETIME_TAG in obj:
            return datetime.fromisoformat(obj[DATETIME_TAG])
    return obj


def dumps(value: Any) -> str:
    return json.dumps(value, default=_encode, allow_nan=False, separators=(",", ":"))


def loads(text: str) -> Any:
    return json.loads(text, object_hook=_decode)


def loads_many(texts: list[str]) -> list[Any]:
    """`[loads(t) for t in texts]`, parsed as one JSON array: a start reads a thousand small
    documents (the paper venue's markets), and each `json.loads` with a hook builds a decoder
    of its own. A text that is not one JSON value each (the array would not say which) is
    parsed alone, so the error is the one `loads` gives."""
    if not texts:
        return []
    try:
        values = json.loads("[" + ",".join(texts) + "]", object_hook=_decode)
    except ValueError:
        values = None
    if values is None or len(values) != len(texts):
        return [loads(text) for text in texts]
    return values  # type: ignore[no-any-return]
