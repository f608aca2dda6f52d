"""What every list of the read side shares: filters, opaque page tokens, instants as microseconds."""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

T = TypeVar("T")

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


PERIOD_PATTERN = r"^20\d\d(-(0[1-9]|1[0-2]))?$"
"""A report's period: a month ``YYYY-MM`` or a year ``YYYY`` (this century) — one pattern for the API, the console and the reports."""
MONTH_PATTERN = r"^20\d\d-(0[1-9]|1[0-2])$"
YEAR_PATTERN = r"^20\d\d$"


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


def page_of(items: Iterable[T], key: Callable[[T], Any], *, page_size: int, page_token: str | None, key_type: type) -> tuple[list[T], str | None]:
    """One page of a list held in memory, keyset-paged like the read models' lists.

    Items are served in ``key`` order; the token holds the key of the last item served, so a page
    never repeats or skips an item when items are added meanwhile.
    """
    ordered = sorted(items, key=key)
    if page_token:
        (after,) = decode_page(page_token, key_type)
        ordered = [item for item in ordered if key(item) > after]
    page = ordered[:page_size]
    return page, (encode_page(key(page[-1])) if len(ordered) > page_size else None)
