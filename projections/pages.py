"""What every list of the read side shares: filters, opaque page tokens, instants as microseconds."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson

from foundation.clock import TZ
from foundation.errors import InvalidInput


@dataclass(frozen=True)
class ListFilter:
    """The filters of ``GET /v1/cases``."""

    unit: str | None = None
    status: str | None = None
    overdue: bool | None = None
    supervised: bool | None = None
    month: str | None = None


def micros(instant: datetime | None) -> int | None:
    return None if instant is None else int(instant.timestamp() * 1_000_000)


def from_micros(value: int | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value / 1_000_000, tz=TZ)


def encode_page(*key: Any) -> str:
    """An opaque page token holding the sort key of the last row served."""
    return base64.urlsafe_b64encode(orjson.dumps(list(key))).decode()


def decode_page(token: str, *types: type) -> list[Any]:
    """The sort key inside a token this service issued, of the given types; anything else is a 422."""
    try:
        key = orjson.loads(base64.urlsafe_b64decode(token.encode()))
    except Exception:  # noqa: BLE001 - any garbage token is the client's error
        key = None
    if not (
        isinstance(key, list)
        and len(key) == len(types)
        and all(isinstance(k, t) and not isinstance(k, bool) for k, t in zip(key, types, strict=True))
    ):
        raise InvalidInput("page_token", "not a token this service issued")
    return key
