"""When each event of an aggregate was recorded, kept in the same transaction as the events.

``GET /v1/cases/{id}?as_of=<instant>`` asks for the last version recorded at or before an instant.
An event's time is inside its (encrypted) stored state, so without an index that answer means
reading and decrypting the aggregate's whole history. This ``KeptIndex`` writes one row per event
(aggregate, version, microseconds) with every save, so the answer is one index seek.

An aggregate's events are recorded in time order (commands read a forward-only clock; the
timekeeper stamps a fact no earlier than the aggregate's last event), so the version with the
latest time at or before the instant is the last version recorded by then.

A log written before this index existed has no rows for its older aggregates: ``version_at``
says so (None), and the caller fills the rows from the history it then reads once (``fill``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from foundation.aggregate import Aggregate
from foundation.sql import Sql, Write
from foundation.timers import micros

TABLE = "hotline_event_times"


class EventTimes:
    """Per aggregate and version, the instant the event was recorded."""

    def __init__(self, sql: Sql) -> None:
        self.sql = sql

    def setup(self) -> None:
        with self.sql.transaction() as cursor:
            cursor.execute(
                "CREATE TABLE IF NOT EXISTS {t} (originator_id TEXT NOT NULL, version INTEGER NOT NULL, "
                "recorded_us BIGINT NOT NULL, PRIMARY KEY (originator_id, version))",
                t=TABLE,
            )
            cursor.execute("CREATE INDEX IF NOT EXISTS hotline_event_times_at ON {t} (originator_id, recorded_us, version)", t=TABLE)

    def writes(self, aggregates: Sequence[Aggregate]) -> list[Write]:
        rows = [
            (str(aggregate.id), event.originator_version, micros(event.timestamp))
            for aggregate in aggregates
            for event in aggregate.pending_events
        ]
        return [Write("INSERT INTO {t} VALUES (?,?,?)", rows, {"t": TABLE})] if rows else []

    def version_at(self, aggregate_id: UUID, instant: datetime) -> int | None:
        """The last version recorded at or before ``instant`` (0: none yet); None if the index does not cover the aggregate."""
        with self.sql.transaction(commit=False) as cursor:
            if not cursor.fetch("SELECT 1 AS covered FROM {t} WHERE originator_id=? AND version=1", (str(aggregate_id),), t=TABLE):
                return None
            rows = cursor.fetch(
                "SELECT version FROM {t} WHERE originator_id=? AND recorded_us <= ? ORDER BY recorded_us DESC, version DESC LIMIT 1",
                (str(aggregate_id), micros(instant)),
                t=TABLE,
            )
        return int(rows[0]["version"]) if rows else 0

    def fill(self, aggregate_id: UUID, events: Iterable[Any]) -> None:
        """Index an aggregate's history written before the index existed (idempotent)."""
        rows = [(str(aggregate_id), event.originator_version, micros(event.timestamp)) for event in events]
        with self.sql.transaction() as cursor:
            cursor.executemany("INSERT INTO {t} VALUES (?,?,?) ON CONFLICT DO NOTHING", rows, t=TABLE)
