"""The write side's own index of instants at which an aggregate has a fact to record.

A deadline lapsing is recorded as an event when it happens, so the timekeeper must know which
aggregates have something due. That knowledge is kept in a table written *in the same transaction
as the events that changed it* (a ``KeptIndex``): after every save, the aggregate's pending
timers replace its rows. It is never behind the log, so the timekeeper and a calendar amendment
never wait for, or fail on, a read model. Which timers an aggregate has is the domain's business
(``schedule``); this module only keeps and queries them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any, NamedTuple
from uuid import UUID

from foundation.aggregate import Aggregate
from foundation.sql import Sql, Write

TABLE = "hotline_timers"
BUILT = "timers"
"""The tracking name under which the index records that it was built from the log (once, on upgrade)."""


class Timer(NamedTuple):
    kind: str
    key: int
    at: datetime


Schedule = Callable[[Aggregate], Sequence[Timer] | None]
"""An aggregate's pending timers, or None for an aggregate the index does not cover."""


def micros(instant: datetime) -> int:
    return int(instant.timestamp() * 1_000_000)


class Timers:
    """Pending timers per aggregate: replaced with every save, queried by the timekeeper."""

    def __init__(self, sql: Sql, schedule: Schedule) -> None:
        self.sql = sql
        self.schedule = schedule

    def setup(self) -> None:
        with self.sql.transaction() as cursor:
            cursor.execute(
                "CREATE TABLE IF NOT EXISTS {t} (aggregate_id TEXT NOT NULL, kind TEXT NOT NULL, "
                "tkey INTEGER NOT NULL, fire_us BIGINT NOT NULL, PRIMARY KEY (aggregate_id, kind, tkey))",
                t=TABLE,
            )
            cursor.execute("CREATE INDEX IF NOT EXISTS hotline_timers_fire ON {t} (fire_us, aggregate_id)", t=TABLE)

    def writes(self, aggregates: Sequence[Aggregate]) -> list[Write]:
        covered = [(aggregate, timers) for aggregate in aggregates if (timers := self.schedule(aggregate)) is not None]
        if not covered:
            return []
        return [
            Write("DELETE FROM {t} WHERE aggregate_id=?", [(str(a.id),) for a, _ in covered], {"t": TABLE}),
            Write(
                "INSERT INTO {t} VALUES (?,?,?,?)",
                [(str(a.id), timer.kind, timer.key, micros(timer.at)) for a, timers in covered for timer in timers],
                {"t": TABLE},
            ),
        ]

    def due(self, until: datetime, *, after: str = "", limit: int = 500) -> list[UUID]:
        """Aggregates with a timer due at or before ``until``, in id order from ``after``."""
        rows = self.sql.query(
            "SELECT DISTINCT aggregate_id FROM {t} WHERE fire_us <= ? AND aggregate_id > ? ORDER BY aggregate_id LIMIT ?",
            (micros(until), after, limit),
            t=TABLE,
        )
        return [UUID(row["aggregate_id"]) for row in rows]

    def pending(self) -> list[UUID]:
        """Every aggregate with a timer still to fire (what a calendar amendment may have to recount)."""
        rows = self.sql.query("SELECT DISTINCT aggregate_id FROM {t} ORDER BY aggregate_id", t=TABLE)
        return [UUID(row["aggregate_id"]) for row in rows]

    def rebuild(self, aggregates: Iterable[Aggregate]) -> int:
        """Rewrite the rows of ``aggregates`` (an upgrade, or a repair); returns how many were covered."""
        count = 0
        batch: list[Aggregate] = []
        for aggregate in aggregates:
            batch.append(aggregate)
            if len(batch) == 500:
                count += self._rewrite(batch)
                batch = []
        return count + self._rewrite(batch)

    def _rewrite(self, aggregates: Sequence[Aggregate]) -> int:
        writes = self.writes(aggregates)
        with self.sql.transaction() as cursor:
            for write in writes:
                cursor.write(write)
        return len(writes[0].rows) if writes else 0

    def rows(self) -> list[dict[str, Any]]:
        return self.sql.query("SELECT * FROM {t} ORDER BY aggregate_id, kind, tkey", t=TABLE)
