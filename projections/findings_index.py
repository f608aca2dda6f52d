"""The findings list: one row per finding, filtered by unit, staff, clause, status and period.

A projection with one handler per finding event; a batch reads the rows it touches at once and
writes them back with its position in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson
from eventsourcing.dispatch import singledispatchmethod
from eventsourcing.persistence import Tracking
from eventsourcing.utils import get_topic

from foundation.aggregate import DomainEvent
from foundation.projection import SqlProjection, View
from accountability.finding import Finding
from projections.pages import decode_page, encode_page, from_micros, micros

COLUMNS = (
    "id", "clause", "unit", "staff", "status", "period", "raised_by", "raised_us", "version", "description", "basis",
    "staff_concerned", "sanctions", "appeals",
)
JSON_COLUMNS = ("basis", "staff_concerned", "sanctions", "appeals")


def finding_topics() -> tuple[str, ...]:
    return tuple(
        sorted(get_topic(value) for value in vars(Finding).values() if isinstance(value, type) and issubclass(value, DomainEvent))
    )


@dataclass(frozen=True)
class FindingFilter:
    units: tuple[str, ...] | None = None
    """None: any unit; otherwise the subject's unit must be one of these."""
    staff: str | None = None
    """Findings naming this person: as their subject, among the staff concerned, or bearing a sanction."""
    clause: str | None = None
    status: str | None = None
    period: str | None = None


class FindingsIndexView(View):
    name = "findings_list"
    tables = ("findings_list", "findings_staff")

    def __init__(self, store: Any) -> None:
        super().__init__(store)
        self.rows: dict[str, dict[str, Any]] = {}
        self.persons: list[tuple[str, str]] = []

    def schema(self) -> list[str]:
        return [
            "CREATE TABLE IF NOT EXISTS {findings_list} (id TEXT PRIMARY KEY, clause TEXT NOT NULL, unit TEXT NOT NULL, "
            "staff TEXT, status TEXT NOT NULL, period TEXT, raised_by TEXT NOT NULL, raised_us BIGINT NOT NULL, "
            "version INTEGER NOT NULL, description TEXT NOT NULL, basis TEXT NOT NULL, staff_concerned TEXT NOT NULL, "
            "sanctions TEXT NOT NULL, appeals TEXT NOT NULL)",
            "CREATE INDEX IF NOT EXISTS findings_list_unit ON {findings_list} (unit, raised_us)",
            "CREATE TABLE IF NOT EXISTS {findings_staff} (staff TEXT NOT NULL, finding_id TEXT NOT NULL, PRIMARY KEY (staff, finding_id))",
        ]

    def load(self, ids: list[str]) -> None:
        wanted = [i for i in ids if i not in self.rows]
        for start in range(0, len(wanted), 400):
            chunk = wanted[start : start + 400]
            for row in self.cursor.fetch(f"SELECT * FROM {{t}} WHERE id IN ({','.join('?' * len(chunk))})", chunk, t="findings_list"):
                for column in JSON_COLUMNS:
                    row[column] = orjson.loads(row[column])
                self.rows[row["id"]] = row

    def flush(self) -> None:
        assignments = ", ".join(f"{c}=excluded.{c}" for c in COLUMNS[1:])
        self.cursor.executemany(
            f"INSERT INTO {{t}} ({', '.join(COLUMNS)}) VALUES ({','.join('?' * len(COLUMNS))}) ON CONFLICT (id) DO UPDATE SET {assignments}",
            [[orjson.dumps(row[c]).decode() if c in JSON_COLUMNS else row[c] for c in COLUMNS] for row in self.rows.values()],
            t="findings_list",
        )
        self.cursor.executemany("INSERT INTO {t} VALUES (?, ?) ON CONFLICT DO NOTHING", self.persons, t="findings_staff")

    def forget(self) -> None:
        self.rows, self.persons = {}, []

    def list(self, where: FindingFilter, *, page_size: int, page_token: str | None) -> tuple[list[dict[str, Any]], str | None]:
        clauses, params = [], []
        if where.units is not None:
            if not where.units:
                return [], None
            clauses.append(f"unit IN ({','.join('?' * len(where.units))})")
            params += list(where.units)
        if where.staff is not None:
            clauses.append("id IN (SELECT finding_id FROM {s} WHERE staff = ?)")
            params.append(where.staff)
        for column, value in (("clause", where.clause), ("status", where.status), ("period", where.period)):
            if value is not None:
                clauses.append(f"{column} = ?")
                params.append(value)
        if page_token:
            raised_us, finding_id = decode_page(page_token, int, str)
            clauses.append("(raised_us < ? OR (raised_us = ? AND id < ?))")
            params += [raised_us, raised_us, finding_id]
        sql = "SELECT * FROM {f}" + (" WHERE " + " AND ".join(clauses) if clauses else "")
        sql += " ORDER BY raised_us DESC, id DESC LIMIT ?"
        rows = self.sql.query(sql, [*params, page_size + 1], f="findings_list", s="findings_staff")
        more = len(rows) > page_size
        rows = rows[:page_size]
        token = encode_page(rows[-1]["raised_us"], rows[-1]["id"]) if more and rows else None
        return [_item(row) for row in rows], token


class FindingsIndex(SqlProjection):
    """Keeps ``FindingsIndexView`` from the finding events."""

    name = FindingsIndexView.name
    topics = finding_topics()
    view: FindingsIndexView

    def handle_events(self, events: Any) -> None:
        self.view.load(list(dict.fromkeys(str(event.originator_id) for event, _ in events)))
        handle = self.process_event  # bound once per batch (see SqlProjection.handle_events)
        for event, tracking in events:
            handle(event, tracking)
            self.view.rows[str(event.originator_id)]["version"] = event.originator_version

    @singledispatchmethod
    def process_event(self, event: DomainEvent, tracking: Tracking) -> None:
        """A talk or a referral changes nothing listed."""

    @process_event.register
    def _raised(self, event: Finding.Raised, tracking: Tracking) -> None:
        finding_id = str(event.originator_id)
        self.view.rows[finding_id] = {
            "id": finding_id, "clause": event.clause, "unit": event.subject.unit, "staff": event.subject.staff,
            "status": "candidate", "period": event.period, "raised_by": event.raised_by, "raised_us": micros(event.timestamp),
            "version": 1, "description": event.description, "basis": _basis(event.basis),
            "staff_concerned": list(event.staff_concerned), "sanctions": [], "appeals": {},
        }
        self._name(finding_id, event.subject.staff, *event.staff_concerned)

    @process_event.register
    def _basis_extended(self, event: Finding.BasisExtended, tracking: Tracking) -> None:
        self._row(event).update(basis=_basis(event.basis), description=event.description)

    @process_event.register
    def _reraised(self, event: Finding.Reraised, tracking: Tracking) -> None:
        self._row(event).update(status="candidate", basis=_basis(event.basis), description=event.description)

    @process_event.register
    def _withdrawn(self, event: Finding.Withdrawn, tracking: Tracking) -> None:
        self._row(event)["status"] = "withdrawn"

    @process_event.register
    def _confirmed(self, event: Finding.Confirmed, tracking: Tracking) -> None:
        self._row(event)["status"] = "confirmed"

    @process_event.register
    def _dismissed(self, event: Finding.Dismissed, tracking: Tracking) -> None:
        self._row(event)["status"] = "dismissed"

    @process_event.register
    def _mitigated(self, event: Finding.Mitigated, tracking: Tracking) -> None:
        if event.effect == "waive":
            self._row(event)["status"] = "waived"

    @process_event.register
    def _sanctioned(self, event: Finding.Sanctioned, tracking: Tracking) -> None:
        row = self._row(event)
        staff = event.sanction.staff
        if staff is None and event.sanction.scope == "individual":  # v1: the person was the finding's subject
            staff = row["staff"] or next(iter(row["staff_concerned"]), None)
        row["sanctions"] = [*row["sanctions"], {"n": event.sanction.n, "measures": list(event.sanction.measures), "staff": staff}]
        row["status"] = "sanctioned"
        self._name(row["id"], staff)

    @process_event.register
    def _appealed(self, event: Finding.Appealed, tracking: Tracking) -> None:
        row = self._row(event)
        row["appeals"] = {**row["appeals"], str(event.appeal.n): {"sanction": event.appeal.sanction, "open": True}}
        row["status"] = "appealed"

    @process_event.register
    def _appeal_decided(self, event: Finding.AppealDecided, tracking: Tracking) -> None:
        row = self._row(event)
        appeal = {**row["appeals"][str(event.n)], "open": False}
        row["appeals"] = {**row["appeals"], str(event.n): appeal}
        row["sanctions"] = [
            {**s, "measures": list(event.decision.measures)} if s["n"] == appeal["sanction"] else s for s in row["sanctions"]
        ]
        in_force = any(s["measures"] for s in row["sanctions"])
        row["status"] = "appealed" if any(a["open"] for a in row["appeals"].values()) else "sanctioned" if in_force else "closed"

    def _name(self, finding_id: str, *persons: str | None) -> None:
        self.view.persons += [(person, finding_id) for person in persons if person]

    def _row(self, event: DomainEvent) -> dict[str, Any]:
        return self.view.rows[str(event.originator_id)]


def _basis(basis: Any) -> list[dict[str, Any]]:
    return [ref.model_dump(mode="json") for ref in basis]


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
        "staff_concerned": orjson.loads(row["staff_concerned"]),
        "measures": [m for s in orjson.loads(row["sanctions"]) for m in s["measures"]],
    }
