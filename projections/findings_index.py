"""The findings list: one row per finding, filtered by unit, staff, clause, status and period."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from eventsourcing.persistence import Notification
from eventsourcing.utils import get_topic

from accountability.finding import Finding
from cases.aggregate import DomainEvent
from hotline.application import HotlineApplication
from hotline.store import Cursor, Store
from projections.case_index import from_micros, micros
from projections.view import SqlView, decode_page, encode_page


def finding_topics() -> tuple[str, ...]:
    return tuple(
        sorted(
            get_topic(value)
            for value in vars(Finding).values()
            if isinstance(value, type) and issubclass(value, DomainEvent)
        )
    )


@dataclass(frozen=True)
class FindingFilter:
    units: tuple[str, ...] | None = None
    """None: any unit; otherwise the subject's unit must be one of these."""
    staff: str | None = None
    clause: str | None = None
    status: str | None = None
    period: str | None = None


class FindingReader(HotlineApplication):
    """Loads findings for the index."""


class FindingsIndex(SqlView):
    name = "findings_index"
    tables = ("findings_list",)

    def __init__(self, store: Store) -> None:
        super().__init__(store)
        self.topics = finding_topics()
        self.reader = FindingReader(store)

    def schema(self) -> list[str]:
        return [
            "CREATE TABLE IF NOT EXISTS {findings_list} (id TEXT PRIMARY KEY, clause TEXT NOT NULL, unit TEXT NOT NULL, "
            "staff TEXT, status TEXT NOT NULL, period TEXT, raised_by TEXT NOT NULL, raised_us BIGINT NOT NULL, "
            "version INTEGER NOT NULL, description TEXT NOT NULL, basis TEXT NOT NULL, measures TEXT NOT NULL)",
            "CREATE INDEX IF NOT EXISTS findings_list_unit ON {findings_list} (unit, raised_us)",
        ]

    def prepare(self, notifications: Sequence[Notification]) -> list[Finding]:
        ids = list(dict.fromkeys(n.originator_id for n in notifications))
        loaded = [self.reader.repository.get(i) for i in ids]
        return [f for f in loaded if isinstance(f, Finding)]

    def apply(self, cursor: Cursor, prepared: list[Finding]) -> None:
        for finding in prepared:
            assert finding.subject is not None
            cursor.execute(
                "INSERT INTO {t} VALUES (?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT (id) DO UPDATE SET "
                "status=excluded.status, version=excluded.version, description=excluded.description, "
                "basis=excluded.basis, measures=excluded.measures",
                (
                    str(finding.id),
                    finding.clause,
                    finding.subject.unit,
                    finding.subject.staff,
                    finding.status,
                    finding.period,
                    finding.raised_by,
                    micros(finding.raised_at),
                    finding.version,
                    finding.description,
                    orjson.dumps([b.model_dump(mode="json") for b in finding.basis]).decode(),
                    orjson.dumps(finding.measures).decode(),
                ),
                t="findings_list",
            )

    def list(self, where: FindingFilter, *, page_size: int, page_token: str | None) -> tuple[list[dict[str, Any]], str | None]:
        clauses, params = [], []
        if where.units is not None:
            if not where.units:
                return [], None
            clauses.append(f"unit IN ({','.join('?' * len(where.units))})")
            params += list(where.units)
        for column, value in (("staff", where.staff), ("clause", where.clause), ("status", where.status), ("period", where.period)):
            if value is not None:
                clauses.append(f"{column} = ?")
                params.append(value)
        if page_token:
            raised_us, finding_id = decode_page(page_token, int, str)
            clauses.append("(raised_us < ? OR (raised_us = ? AND id < ?))")
            params += [raised_us, raised_us, finding_id]
        sql = "SELECT * FROM {f}" + (" WHERE " + " AND ".join(clauses) if clauses else "")
        sql += " ORDER BY raised_us DESC, id DESC LIMIT ?"
        rows = self.sql.query(sql, [*params, page_size + 1], f="findings_list")
        more = len(rows) > page_size
        rows = rows[:page_size]
        token = encode_page(rows[-1]["raised_us"], rows[-1]["id"]) if more and rows else None
        return [_item(row) for row in rows], token


def _item(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "clause": row["clause"],
        "subject": {"unit": row["unit"], "staff": row["staff"]},
        "status": row["status"],
        "period": row["period"],
        "raised_by": row["raised_by"],
        "raised_at": from_micros(row["raised_us"]),
        "version": row["version"],
        "description": row["description"],
        "basis": orjson.loads(row["basis"]),
        "measures": orjson.loads(row["measures"]),
    }

