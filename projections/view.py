"""A read model kept in SQL tables of the store's own database, tracked in the same transaction.

A view's ``apply`` writes its rows for a batch of events on the cursor it is given; the base
class then advances the view's row in ``hotline_view_tracking`` on that same cursor, refusing
to move backwards. Either both commit or neither does: exactly once, even across a crash.
Rebuilding a view is dropping its rows and tracking row; it then catches up from the log.
"""

from __future__ import annotations

from abc import abstractmethod
import base64
from collections.abc import Sequence
from typing import Any

import orjson
from eventsourcing.persistence import IntegrityError, Notification

from cases.errors import InvalidInput

from hotline.store import Cursor, Store
from projections.runner import Follower

TRACKING = "hotline_view_tracking"


class SqlView(Follower):
    stage = 1
    tables: tuple[str, ...] = ()

    def __init__(self, store: Store) -> None:
        self.store = store
        self.sql = store.sql

    def setup(self) -> None:
        with self.sql.transaction() as cursor:
            cursor.execute(
                "CREATE TABLE IF NOT EXISTS {t} (name TEXT PRIMARY KEY, position BIGINT NOT NULL)", t=TRACKING
            )
            for statement in self.schema():
                cursor.execute(statement, **{name: name for name in self.tables})

    @abstractmethod
    def schema(self) -> list[str]:
        """CREATE TABLE / INDEX statements (``IF NOT EXISTS``), with ``{table}`` placeholders."""

    def prepare(self, notifications: Sequence[Notification]) -> Any:
        """Work out what to write, before the write transaction opens (keep that one short)."""
        return notifications

    @abstractmethod
    def apply(self, cursor: Cursor, prepared: Any) -> None:
        """Write the view's rows for what ``prepare`` worked out."""

    def tracked(self) -> int:
        rows = self.sql.query("SELECT position FROM {t} WHERE name=?", (self.name,), t=TRACKING)
        return int(rows[0]["position"]) if rows else 0

    def handle(self, notifications: Sequence[Notification], upto: int) -> None:
        prepared = self.prepare(notifications) if notifications else None
        with self.sql.transaction() as cursor:
            if notifications:
                self.apply(cursor, prepared)
            moved = cursor.fetch(
                "INSERT INTO {t} (name, position) VALUES (?, ?) ON CONFLICT (name) DO UPDATE "
                "SET position = excluded.position WHERE {t}.position < excluded.position RETURNING position",
                (self.name, upto),
                t=TRACKING,
            )
            if not moved:
                raise IntegrityError(f"view {self.name} is already past {upto}")

    def reset(self) -> None:
        """Forget the view's rows and position; it rebuilds from the log."""
        with self.sql.transaction() as cursor:
            for table in self.tables:
                cursor.execute("DELETE FROM {t}", t=table)
            cursor.execute("DELETE FROM {t} WHERE name=?", (self.name,), t=TRACKING)


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
