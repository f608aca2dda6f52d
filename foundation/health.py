"""What a worker's followers report about themselves, for the API processes that wait on them.

A follower that fails on an event says so in its own process: ``/health`` turns ``degraded`` and
names the position. When the followers run in a worker (``hotline projections run``) the API
processes only read positions, so the worker also writes each follower's failure, and its end, to
this small table, and an API process's ``/health`` reads it. A row changes only when a failure
starts, repeats or ends: nothing is written per batch.
"""

from __future__ import annotations

import time
from typing import Any

from foundation.sql import Sql

TABLE = "hotline_follower_health"


class FollowerHealth:
    """One row per follower run in a worker: its failure now (none once it recovered) and its failures counted."""

    def __init__(self, sql: Sql) -> None:
        self.sql = sql

    def setup(self) -> None:
        with self.sql.transaction() as cursor:
            cursor.execute(
                "CREATE TABLE IF NOT EXISTS {t} (name TEXT PRIMARY KEY, error TEXT, failing_at BIGINT, "
                "failures BIGINT NOT NULL, reported_us BIGINT NOT NULL)",
                t=TABLE,
            )

    def report(self, name: str, *, error: str | None, failing_at: int | None, failures: int) -> None:
        """The follower ``name`` fails now (``error``, at ``failing_at``), or no longer fails (``error`` None)."""
        with self.sql.transaction() as cursor:
            cursor.execute(
                "INSERT INTO {t} (name, error, failing_at, failures, reported_us) VALUES (?,?,?,?,?) ON CONFLICT (name) DO UPDATE SET "
                "error=excluded.error, failing_at=excluded.failing_at, failures=excluded.failures, reported_us=excluded.reported_us",
                (name, error, failing_at, failures, int(time.time() * 1_000_000)),
                t=TABLE,
            )

    def reported(self) -> dict[str, dict[str, Any]]:
        """Every follower's last report (none before a worker ever reported)."""
        if not self.sql.has_table(TABLE):
            return {}
        return {row["name"]: row for row in self.sql.query("SELECT name, error, failing_at, failures FROM {t}", t=TABLE)}
