"""The spot checks list (Art. 3): who drew which sample, when, from what scope."""

from __future__ import annotations

from typing import Any

import orjson
from eventsourcing.dispatch import singledispatchmethod
from eventsourcing.persistence import Tracking
from eventsourcing.utils import get_topic

from foundation.aggregate import DomainEvent
from foundation.projection import SqlProjection, View
from accountability.spot_checks import SpotCheck
from projections.pages import decode_page, encode_page, from_micros, micros


class SpotCheckView(View):
    name = "spot_checks"
    tables = ("spot_checks",)

    def __init__(self, store: Any) -> None:
        super().__init__(store)
        self.rows: list[tuple[Any, ...]] = []

    def schema(self) -> list[str]:
        return [
            "CREATE TABLE IF NOT EXISTS {spot_checks} (id TEXT PRIMARY KEY, position BIGINT NOT NULL, drawn_us BIGINT NOT NULL, drawn_by TEXT NOT NULL, "
            "scope TEXT NOT NULL, seed BIGINT NOT NULL, size INTEGER NOT NULL, population INTEGER NOT NULL, "
            "as_of BIGINT NOT NULL, digest TEXT NOT NULL, cases TEXT NOT NULL)",
        ]

    def flush(self) -> None:
        self.cursor.executemany("INSERT INTO {t} VALUES (?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT DO NOTHING", self.rows, t="spot_checks")

    def forget(self) -> None:
        self.rows = []

    def list(self, *, page_size: int, page_token: str | None) -> tuple[list[dict[str, Any]], str | None]:
        """Newest first (in the order they were recorded)."""
        clause, params = "", []
        if page_token:
            clause, params = " WHERE position < ?", decode_page(page_token, int)
        rows = self.sql.query("SELECT * FROM {t}" + clause + " ORDER BY position DESC LIMIT ?", [*params, page_size + 1], t="spot_checks")
        more = len(rows) > page_size
        rows = rows[:page_size]
        return [_item(row) for row in rows], (encode_page(rows[-1]["position"]) if more and rows else None)


def _item(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "drawn_at": from_micros(row["drawn_us"]).isoformat(),
        "drawn_by": row["drawn_by"],
        "scope": orjson.loads(row["scope"]),
        "seed": row["seed"],
        "size": row["size"],
        "population": row["population"],
        "as_of_position": row["as_of"],
        "scope_digest": row["digest"],
        "cases": orjson.loads(row["cases"]),
    }


class SpotChecks(SqlProjection):
    name = SpotCheckView.name
    topics = (get_topic(SpotCheck.Drawn),)
    view: SpotCheckView

    @singledispatchmethod
    def process_event(self, event: DomainEvent, tracking: Tracking) -> None:
        """Only draws are listed."""

    @process_event.register
    def _drawn(self, event: SpotCheck.Drawn, tracking: Tracking) -> None:
        self.view.rows.append(
            (
                str(event.originator_id), tracking.notification_id, micros(event.timestamp), event.actor.staff, event.scope.model_dump_json(), event.seed,
                event.size, event.population, event.as_of, event.digest, orjson.dumps([str(c) for c in event.cases]).decode(),
            )
        )
