"""The case index: the filtered case list, the units each case was dispatched to, and pending alarms.

For each batch of case events the index reloads every case concerned (from the cache or a
snapshot, never a long replay) and rewrites its rows from the aggregate itself, so the list and
the aggregate cannot disagree about what a status or an overdue flag means. The alarms table is
what the timekeeper scans for deadlines about to lapse. No requester data is kept here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import orjson
from eventsourcing.persistence import Notification
from eventsourcing.utils import get_topic

from cases.calendar import TZ
from cases.case import Case
from cases.events import CaseEvent
from cases.timefacts import pending_alarms
from hotline.application import HotlineApplication
from hotline.store import Cursor, Store
from projections.view import SqlView, decode_page, encode_page


def case_topics() -> tuple[str, ...]:
    """Every case event class, for filtering the log."""
    found: list[type] = []
    pending = [CaseEvent]
    while pending:
        cls = pending.pop()
        found.append(cls)
        pending.extend(cls.__subclasses__())
    return tuple(sorted({get_topic(cls) for cls in found if cls is not CaseEvent}))


def micros(instant: datetime | None) -> int | None:
    return None if instant is None else int(instant.timestamp() * 1_000_000)


def from_micros(value: int | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value / 1_000_000, tz=TZ)


@dataclass(frozen=True)
class ListFilter:
    unit: str | None = None
    status: str | None = None
    overdue: bool | None = None
    supervised: bool | None = None
    month: str | None = None


class CaseReader(HotlineApplication):
    """Loads cases for the index (its own cache, apart from the command path's)."""


class CaseIndex(SqlView):
    name = "case_index"
    tables = ("case_list", "case_units", "case_alarms", "case_feedback")

    def __init__(self, store: Store) -> None:
        super().__init__(store)
        self.topics = case_topics()
        self.reader = CaseReader(store)

    def schema(self) -> list[str]:
        return [
            "CREATE TABLE IF NOT EXISTS {case_list} (case_id TEXT PRIMARY KEY, number TEXT NOT NULL, "
            "status TEXT NOT NULL, urgency TEXT NOT NULL, category TEXT NOT NULL, summary TEXT NOT NULL, "
            "lead_unit TEXT, co_units TEXT NOT NULL, round INTEGER NOT NULL, due_date TEXT, "
            "overdue INTEGER NOT NULL, supervised INTEGER NOT NULL, grounds TEXT NOT NULL, "
            "unmet_supervision INTEGER NOT NULL, next_deadline_us BIGINT, accepted_us BIGINT NOT NULL, "
            "accepted_month TEXT NOT NULL, version INTEGER NOT NULL, modified_us BIGINT NOT NULL)",
            "CREATE INDEX IF NOT EXISTS case_list_accepted ON {case_list} (accepted_us, number)",
            "CREATE TABLE IF NOT EXISTS {case_units} (case_id TEXT NOT NULL, unit_id TEXT NOT NULL, "
            "PRIMARY KEY (unit_id, case_id))",
            "CREATE TABLE IF NOT EXISTS {case_alarms} (case_id TEXT NOT NULL, kind TEXT NOT NULL, "
            "akey INTEGER NOT NULL, fire_us BIGINT NOT NULL, PRIMARY KEY (case_id, kind, akey))",
            "CREATE INDEX IF NOT EXISTS case_alarms_fire ON {case_alarms} (fire_us)",
            "CREATE TABLE IF NOT EXISTS {case_feedback} (case_id TEXT NOT NULL, n INTEGER NOT NULL, "
            "unit_id TEXT NOT NULL, superior_id TEXT NOT NULL, note TEXT NOT NULL, at_us BIGINT NOT NULL, "
            "number TEXT NOT NULL, summary TEXT NOT NULL, PRIMARY KEY (case_id, n))",
            "CREATE INDEX IF NOT EXISTS case_feedback_superior ON {case_feedback} (superior_id, at_us)",
        ]

    def prepare(self, notifications: Sequence[Notification]) -> list[Case]:
        """The cases concerned, each loaded once per batch (latest state; idempotent rewrite)."""
        case_ids = list(dict.fromkeys(n.originator_id for n in notifications))
        loaded = [self.reader.repository.get(case_id) for case_id in case_ids]
        return [case for case in loaded if isinstance(case, Case)]

    def apply(self, cursor: Cursor, prepared: list[Case]) -> None:
        for case in prepared:
            self._write(cursor, case)

    def _write(self, cursor: Cursor, case: Case) -> None:
        key = str(case.id)
        current = case.rounds[-1] if case.rounds else None
        alarms = pending_alarms(case)
        cursor.execute(
            "INSERT INTO {t} VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT (case_id) DO UPDATE SET "
            "status=excluded.status, lead_unit=excluded.lead_unit, co_units=excluded.co_units, "
            "round=excluded.round, due_date=excluded.due_date, overdue=excluded.overdue, "
            "supervised=excluded.supervised, grounds=excluded.grounds, "
            "unmet_supervision=excluded.unmet_supervision, next_deadline_us=excluded.next_deadline_us, "
            "version=excluded.version, modified_us=excluded.modified_us",
            (
                key,
                case.number,
                case.status,
                case.urgency,
                case.category,
                case.summary,
                current.lead_unit if current else None,
                orjson.dumps(current.co_units if current else []).decode(),
                case.round,
                current.deadline.due_date.isoformat() if current else None,
                int(case.overdue),
                int(case.supervised),
                orjson.dumps(sorted({g.ground for g in case.grounds})).decode(),
                len(case.unmet_supervision()),
                micros(alarms[0].at) if alarms else None,
                micros(case.accepted_at),
                case.accepted_at.astimezone(TZ).strftime("%Y-%m") if case.accepted_at else "",
                case.version,
                micros(case.modified_on),
            ),
            t="case_list",
        )
        cursor.executemany(
            "INSERT INTO {t} (case_id, unit_id) VALUES (?, ?) ON CONFLICT DO NOTHING",
            [(key, unit) for unit in case.units_ever],
            t="case_units",
        )
        cursor.executemany(
            "INSERT INTO {t} VALUES (?,?,?,?,?,?,?,?) ON CONFLICT DO NOTHING",
            [(key, f.n, f.unit, f.superior, f.note, micros(f.at), case.number, case.summary) for f in case.superior_feedback],
            t="case_feedback",
        )
        cursor.execute("DELETE FROM {t} WHERE case_id=?", (key,), t="case_alarms")
        cursor.executemany(
            "INSERT INTO {t} VALUES (?,?,?,?)",
            [(key, alarm.kind, alarm.key, micros(alarm.at)) for alarm in alarms],
            t="case_alarms",
        )

    # ------------------------------------------------------------ queries

    def list(self, where: ListFilter, *, page_size: int, page_token: str | None) -> tuple[list[dict[str, Any]], str | None]:
        """Newest accepted first (then highest number), filtered, one page; the token is the last row's sort key."""
        clauses, params = [], []
        join = ""
        if where.unit is not None:
            join = " JOIN {u} u ON u.case_id = c.case_id AND u.unit_id = ?"
            params.append(where.unit)
        for column, value in (("status", where.status), ("accepted_month", where.month)):
            if value is not None:
                clauses.append(f"c.{column} = ?")
                params.append(value)
        for column, flag in (("overdue", where.overdue), ("supervised", where.supervised)):
            if flag is not None:
                clauses.append(f"c.{column} = ?")
                params.append(int(flag))
        if page_token:
            accepted_us, number = decode_page(page_token, int, str)
            clauses.append("(c.accepted_us < ? OR (c.accepted_us = ? AND c.number < ?))")
            params += [accepted_us, accepted_us, number]
        sql = "SELECT c.* FROM {c} c" + join
        if clauses:
            sql += " WHERE " + " AND ".join(clauses)
        sql += " ORDER BY c.accepted_us DESC, c.number DESC LIMIT ?"
        rows = self.sql.query(sql, [*params, page_size + 1], c="case_list", u="case_units")
        more = len(rows) > page_size
        rows = rows[:page_size]
        token = encode_page(rows[-1]["accepted_us"], rows[-1]["number"]) if more and rows else None
        return [_item(row) for row in rows], token

    def worklist(self, *, page_size: int, page_token: str | None) -> tuple[list[dict[str, Any]], str | None]:
        """Open cases that must be supervised or have unmet supervision, most urgent first."""
        offset = decode_page(page_token, int)[0] if page_token else 0
        rows = self.sql.query(
            "SELECT * FROM {c} WHERE status <> 'closed' AND (supervised = 1 OR unmet_supervision > 0) "
            "ORDER BY unmet_supervision DESC, CASE WHEN next_deadline_us IS NULL THEN 1 ELSE 0 END, "
            "next_deadline_us, accepted_us, case_id LIMIT ? OFFSET ?",
            (page_size + 1, offset),
            c="case_list",
        )
        more = len(rows) > page_size
        return [_item(row) for row in rows[:page_size]], (encode_page(offset + page_size) if more else None)

    def feedback_for(self, superior: str | None, *, page_size: int, page_token: str | None) -> tuple[list[dict[str, Any]], str | None]:
        """Art. 17 feedback on non-member units' cases, for their superior units (newest first)."""
        offset = decode_page(page_token, int)[0] if page_token else 0
        where, params = ("WHERE superior_id = ? ", [superior]) if superior else ("", [])
        rows = self.sql.query(
            "SELECT * FROM {f} " + where + "ORDER BY at_us DESC, case_id, n LIMIT ? OFFSET ?",
            (*params, page_size + 1, offset),
            f="case_feedback",
        )
        items = [
            {
                "case_id": row["case_id"],
                "number": row["number"],
                "summary": row["summary"],
                "n": row["n"],
                "unit": row["unit_id"],
                "superior": row["superior_id"],
                "note": row["note"],
                "at": from_micros(row["at_us"]),
                "article": "17",
            }
            for row in rows[:page_size]
        ]
        return items, (encode_page(offset + page_size) if len(rows) > page_size else None)

    def cases_with_alarms(self) -> list[UUID]:
        rows = self.sql.query("SELECT DISTINCT case_id FROM {a} ORDER BY case_id", a="case_alarms")
        return [UUID(row["case_id"]) for row in rows]

    def due_cases(self, until: datetime, *, after: str = "", limit: int = 500) -> list[str]:
        """Cases with an alarm due at or before ``until``, in id order from ``after``."""
        rows = self.sql.query(
            "SELECT DISTINCT case_id FROM {a} WHERE fire_us <= ? AND case_id > ? ORDER BY case_id LIMIT ?",
            (micros(until), after, limit),
            a="case_alarms",
        )
        return [row["case_id"] for row in rows]



def _item(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["case_id"],
        "number": row["number"],
        "status": row["status"],
        "urgency": row["urgency"],
        "category": row["category"],
        "summary": row["summary"],
        "lead_unit": row["lead_unit"],
        "co_units": orjson.loads(row["co_units"]),
        "round": row["round"],
        "due_date": row["due_date"],
        "overdue": bool(row["overdue"]),
        "supervised": bool(row["supervised"]),
        "grounds": orjson.loads(row["grounds"]),
        "unmet_supervision": row["unmet_supervision"],
        "next_deadline_at": from_micros(row["next_deadline_us"]),
        "accepted_at": from_micros(row["accepted_us"]),
        "version": row["version"],
    }

