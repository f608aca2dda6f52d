"""The case index: the filtered case list, the units each case was dispatched to, Art. 17 feedback.

A projection with one handler per case event it cares about. A batch loads the rows of the cases
it touches at once, the handlers change them in memory, and the view writes them back in one
transaction with the batch's position. No requester data is kept here.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import orjson
from eventsourcing.dispatch import singledispatchmethod
from eventsourcing.persistence import Tracking

from foundation.clock import TZ
from foundation.projection import SqlProjection, View
from cases.case import WITH_UNIT
from cases.events import (
    Accepted,
    CaseEvent,
    Closed,
    DeadlinesRecomputed,
    Dispatched,
    DispatchReturned,
    ExtensionDecided,
    HandlingDeadlineLapsed,
    RedoOrdered,
    Replied,
    Responded,
    ResponseDeadlineLapsed,
    ReturnDecided,
    Signed,
    SuperiorNotified,
    SupervisionDeadlineLapsed,
    SupervisionMet,
    SupervisionRequired,
    Urged,
    case_topics,
)
from accountability.spot_checks import SpotScope
from projections.pages import ListFilter, decode_page, encode_page, from_micros, micros

COLUMNS = (
    "case_id", "number", "status", "urgency", "category", "summary", "lead_unit", "co_units", "round", "due_date",
    "overdue", "supervised", "grounds", "unmet_supervision", "next_deadline_us", "accepted_us", "accepted_month",
    "version", "modified_us", "handling_due_us", "response_due_us", "open_urgings",
)
JSON_COLUMNS = ("co_units", "grounds", "open_urgings")
LIST_FILTERS = ("status", "accepted_month", "overdue", "supervised")
"""The columns ``GET /v1/cases`` filters on (besides the unit, which ``case_units`` serves)."""


class CaseIndexView(View):
    name = "case_index"
    tables = ("case_list", "case_units", "case_feedback")
    shape = "2"
    """2: ``case_units`` carries the page order (a unit's page is an index range, not a sort of all its cases)."""

    def __init__(self, store: Any) -> None:
        super().__init__(store)
        self.rows: dict[str, dict[str, Any]] = {}
        self.units: list[tuple[str, str, int, str]] = []
        self.feedback: list[tuple[Any, ...]] = []

    def schema(self) -> list[str]:
        return [
            "CREATE TABLE IF NOT EXISTS {case_list} (case_id TEXT PRIMARY KEY, number TEXT NOT NULL, "
            "status TEXT NOT NULL, urgency TEXT NOT NULL, category TEXT NOT NULL, summary TEXT NOT NULL, "
            "lead_unit TEXT, co_units TEXT NOT NULL, round INTEGER NOT NULL, due_date TEXT, "
            "overdue INTEGER NOT NULL, supervised INTEGER NOT NULL, grounds TEXT NOT NULL, "
            "unmet_supervision INTEGER NOT NULL, next_deadline_us BIGINT, accepted_us BIGINT NOT NULL, "
            "accepted_month TEXT NOT NULL, version INTEGER NOT NULL, modified_us BIGINT NOT NULL, "
            "handling_due_us BIGINT, response_due_us BIGINT, open_urgings TEXT NOT NULL)",
            "CREATE INDEX IF NOT EXISTS case_list_accepted ON {case_list} (accepted_us, number)",
            # One index per filter of GET /v1/cases, each ending in the page order: a page is an index range, not a scan and a sort.
            *(
                f"CREATE INDEX IF NOT EXISTS case_list_{column} ON {{case_list}} ({column}, accepted_us, number)"
                for column in LIST_FILTERS
            ),
            "CREATE TABLE IF NOT EXISTS {case_units} (case_id TEXT NOT NULL, unit_id TEXT NOT NULL, "
            "accepted_us BIGINT NOT NULL, number TEXT NOT NULL, PRIMARY KEY (unit_id, case_id))",
            "CREATE INDEX IF NOT EXISTS case_units_page ON {case_units} (unit_id, accepted_us, number)",
            "CREATE TABLE IF NOT EXISTS {case_feedback} (case_id TEXT NOT NULL, n INTEGER NOT NULL, "
            "unit_id TEXT NOT NULL, superior_id TEXT NOT NULL, note TEXT NOT NULL, at_us BIGINT NOT NULL, "
            "number TEXT NOT NULL, summary TEXT NOT NULL, PRIMARY KEY (case_id, n))",
            "CREATE INDEX IF NOT EXISTS case_feedback_superior ON {case_feedback} (superior_id, at_us)",
        ]

    # ---------------------------------------------------------- writing a batch

    def load(self, case_ids: list[str]) -> None:
        """The rows of the cases a batch touches, read at once."""
        wanted = [case_id for case_id in case_ids if case_id not in self.rows]
        for start in range(0, len(wanted), 400):
            chunk = wanted[start : start + 400]
            for row in self.cursor.fetch(
                f"SELECT * FROM {{t}} WHERE case_id IN ({','.join('?' * len(chunk))})", chunk, t="case_list"
            ):
                for column in JSON_COLUMNS:
                    row[column] = orjson.loads(row[column])
                self.rows[row["case_id"]] = row

    def row(self, case_id: UUID) -> dict[str, Any] | None:
        return self.rows.get(str(case_id))

    def add(self, row: dict[str, Any]) -> None:
        self.rows[row["case_id"]] = row

    def flush(self) -> None:
        for row in self.rows.values():
            row["next_deadline_us"] = _next_deadline(row)
        assignments = ", ".join(f"{c}=excluded.{c}" for c in COLUMNS[1:])
        self.cursor.executemany(
            f"INSERT INTO {{t}} ({', '.join(COLUMNS)}) VALUES ({','.join('?' * len(COLUMNS))}) "
            f"ON CONFLICT (case_id) DO UPDATE SET {assignments}",
            [[_column(row, c) for c in COLUMNS] for row in self.rows.values()],
            t="case_list",
        )
        self.cursor.executemany(
            "INSERT INTO {t} (case_id, unit_id, accepted_us, number) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING", self.units, t="case_units"
        )
        self.cursor.executemany("INSERT INTO {t} VALUES (?,?,?,?,?,?,?,?) ON CONFLICT DO NOTHING", self.feedback, t="case_feedback")

    def forget(self) -> None:
        self.rows, self.units, self.feedback = {}, [], []

    # ------------------------------------------------------------------ queries

    def case_id_for(self, number: str) -> UUID | None:
        """The case with this human case number (``YYYYMMDD`` + sequence), if the index has it."""
        rows = self.sql.query("SELECT case_id FROM {c} WHERE number = ?", (number,), c="case_list")
        return UUID(rows[0]["case_id"]) if rows else None

    def list(self, where: ListFilter, *, page_size: int, page_token: str | None) -> tuple[list[dict[str, Any]], str | None]:
        """Newest accepted first (then highest number), filtered, one page; the token is the last row's sort key."""
        sql, params = self.list_query(where, page_size=page_size, page_token=page_token)
        rows = self.sql.query(sql, params, c="case_list", u="case_units")
        more = len(rows) > page_size
        rows = rows[:page_size]
        token = encode_page(rows[-1]["accepted_us"], rows[-1]["number"]) if more and rows else None
        return [_item(row) for row in rows], token

    def list_query(self, where: ListFilter, *, page_size: int, page_token: str | None) -> tuple[str, list[Any]]:
        """The statement of one page (``{c}``, ``{u}``: the tables), and its parameters (tests read its plan)."""
        clauses, params = [], []
        join, order = "", "c"  # a unit's page is read in the order of its own index (case_units_page)
        if where.unit is not None:
            join, order = " JOIN {u} u ON u.case_id = c.case_id AND u.unit_id = ?", "u"
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
            clauses.append(f"({order}.accepted_us < ? OR ({order}.accepted_us = ? AND {order}.number < ?))")
            params += [accepted_us, accepted_us, number]
        sql = "SELECT c.* FROM {c} c" + join
        if clauses:
            sql += " WHERE " + " AND ".join(clauses)
        sql += f" ORDER BY {order}.accepted_us DESC, {order}.number DESC LIMIT ?"
        return sql, [*params, page_size + 1]

    def scope(self, scope: SpotScope) -> tuple[list[str], int]:
        """The ids of the cases in a spot check's scope, sorted, and the position of this index they were read at."""
        clauses, params, join = [], [], ""
        if scope.unit is not None:
            join = " JOIN {u} u ON u.case_id = c.case_id AND u.unit_id = ?"
            params.append(scope.unit)
        if scope.period is not None:
            clauses.append("c.accepted_month = ?" if len(scope.period) == 7 else "c.accepted_month LIKE ?")
            params.append(scope.period if len(scope.period) == 7 else f"{scope.period}-%")
        if scope.status is not None:
            clauses.append("c.status = ?")
            params.append(scope.status)
        sql = "SELECT c.case_id FROM {c} c" + join + (" WHERE " + " AND ".join(clauses) if clauses else "") + " ORDER BY c.case_id"
        while True:  # the rows and the position of one committed batch: read again if a batch committed in between
            before = self.tracked()
            ids = [row["case_id"] for row in self.sql.query(sql, params, c="case_list", u="case_units")]
            if self.tracked() == before:
                return ids, before

    def worklist(self, *, page_size: int, page_token: str | None) -> tuple[list[dict[str, Any]], str | None]:
        """Open cases that must be supervised or have unmet supervision, most urgent first.

        Keyset pages: the token is the last row's sort key, so a case that changes between two
        pages is neither shown twice nor skipped because the others moved.
        """
        key = "(-unmet_supervision, CASE WHEN next_deadline_us IS NULL THEN 1 ELSE 0 END, COALESCE(next_deadline_us, 0), accepted_us, case_id)"
        after, params = "", []
        if page_token:
            after, params = f" AND {key} > (?, ?, ?, ?, ?)", list(decode_page(page_token, int, int, int, int, str))
        rows = self.sql.query(
            "SELECT * FROM {c} WHERE status <> 'closed' AND (supervised = 1 OR unmet_supervision > 0)" + after + f" ORDER BY {key[1:-1]} LIMIT ?",
            (*params, page_size + 1),
            c="case_list",
        )
        more = len(rows) > page_size
        rows = rows[:page_size]
        token = None
        if more and rows:
            last = rows[-1]
            deadline = last["next_deadline_us"]
            token = encode_page(-last["unmet_supervision"], int(deadline is None), deadline or 0, last["accepted_us"], last["case_id"])
        return [_item(row) for row in rows], token

    def feedback_for(self, superior: str | None, *, page_size: int, page_token: str | None) -> tuple[list[dict[str, Any]], str | None]:
        """Art. 17 feedback on non-member units' cases, for their superior units (newest first)."""
        clauses, params = (["superior_id = ?"], [superior]) if superior else ([], [])
        if page_token:  # keyset: after the last row served, newest first
            at_us, case_id, n = decode_page(page_token, int, str, int)
            clauses.append("(at_us < ? OR (at_us = ? AND (case_id > ? OR (case_id = ? AND n > ?))))")
            params += [at_us, at_us, case_id, case_id, n]
        where = ("WHERE " + " AND ".join(clauses) + " ") if clauses else ""
        rows = self.sql.query(
            "SELECT * FROM {f} " + where + "ORDER BY at_us DESC, case_id, n LIMIT ?",
            (*params, page_size + 1),
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
        last = rows[page_size - 1] if len(rows) > page_size else None
        return items, (encode_page(last["at_us"], last["case_id"], last["n"]) if last else None)


class CaseIndex(SqlProjection):
    """Keeps ``CaseIndexView`` from the case events: one handler per event type that changes a row."""

    name = CaseIndexView.name
    topics = case_topics()
    view: CaseIndexView

    def handle_events(self, events: Any) -> None:
        self.view.load(list(dict.fromkeys(str(event.originator_id) for event, _ in events)))
        handle = self.process_event  # bound once per batch (see SqlProjection.handle_events)
        for event, tracking in events:
            handle(event, tracking)
            row = self.view.row(event.originator_id)
            if row is not None:
                row["version"] = event.originator_version
                row["modified_us"] = micros(event.timestamp)

    @singledispatchmethod
    def process_event(self, event: CaseEvent, tracking: Tracking) -> None:
        """An event that changes nothing listed (a revisit, a justification report, ...)."""

    @process_event.register
    def _accepted(self, event: Accepted, tracking: Tracking) -> None:
        accepted = event.timestamp.astimezone(TZ)
        self.view.add(
            {
                "case_id": str(event.originator_id), "number": event.number, "status": "accepted",
                "urgency": event.urgency, "category": event.category, "summary": event.summary,
                "lead_unit": None, "co_units": [], "round": 0, "due_date": None, "overdue": 0, "supervised": 0,
                "grounds": [], "unmet_supervision": 0, "next_deadline_us": None, "accepted_us": micros(accepted),
                "accepted_month": accepted.strftime("%Y-%m"), "version": 1, "modified_us": micros(accepted),
                "handling_due_us": None, "response_due_us": None, "open_urgings": {},
            }
        )

    @process_event.register
    def _supervision_required(self, event: SupervisionRequired, tracking: Tracking) -> None:
        row = self._row(event)
        row["supervised"] = 1
        row["grounds"] = sorted({*row["grounds"], event.ground.ground})

    @process_event.register
    def _dispatched(self, event: Dispatched, tracking: Tracking) -> None:
        self._new_round(event, event.handling_round, "dispatched")
        row = self._row(event)
        self.view.units += [(row["case_id"], unit, row["accepted_us"], row["number"]) for unit in event.handling_round.units]

    @process_event.register
    def _redo(self, event: RedoOrdered, tracking: Tracking) -> None:
        self._new_round(event, event.handling_round, "redo")

    def _new_round(self, event: CaseEvent, handling_round: Any, status: str) -> None:
        row = self._row(event)
        deadline, response = handling_round.deadline, handling_round.response
        row.update(
            status=status, lead_unit=handling_round.lead_unit, co_units=list(handling_round.co_units),
            round=handling_round.n, due_date=deadline.due_date.isoformat(), overdue=0,
            handling_due_us=micros(deadline.lapses_at), response_due_us=micros(response.due_at) if response else None,
        )

    @process_event.register
    def _signed(self, event: Signed, tracking: Tracking) -> None:
        row = self._row(event)
        if event.lead and row["status"] == "dispatched":
            row["status"] = "signed"

    @process_event.register
    def _returned(self, event: DispatchReturned, tracking: Tracking) -> None:
        self._row(event)["status"] = "accepted"

    @process_event.register
    def _return_decided(self, event: ReturnDecided, tracking: Tracking) -> None:
        self._row(event)["status"] = event.status

    @process_event.register
    def _responded(self, event: Responded, tracking: Tracking) -> None:
        self._row(event)["response_due_us"] = None

    @process_event.register
    def _response_lapsed(self, event: ResponseDeadlineLapsed, tracking: Tracking) -> None:
        self._row(event)["response_due_us"] = None

    @process_event.register
    def _extension_decided(self, event: ExtensionDecided, tracking: Tracking) -> None:
        if event.deadline is not None:
            row = self._row(event)
            row["due_date"] = event.deadline.due_date.isoformat()
            row["handling_due_us"] = micros(event.deadline.lapses_at)

    @process_event.register
    def _recomputed(self, event: DeadlinesRecomputed, tracking: Tracking) -> None:
        row = self._row(event)
        if event.deadline is not None:
            row["due_date"] = event.deadline.due_date.isoformat()
            row["handling_due_us"] = micros(event.deadline.lapses_at)
        for n, (_, lapses_at) in event.urgings.items():
            if str(n) in row["open_urgings"]:
                row["open_urgings"][str(n)] = micros(lapses_at)

    @process_event.register
    def _lapsed(self, event: HandlingDeadlineLapsed, tracking: Tracking) -> None:
        row = self._row(event)
        if event.round == row["round"]:
            row["overdue"] = 1

    @process_event.register
    def _urged(self, event: Urged, tracking: Tracking) -> None:
        self._row(event)["open_urgings"][str(event.urging.n)] = micros(event.urging.lapses_at)

    @process_event.register
    def _met(self, event: SupervisionMet, tracking: Tracking) -> None:
        row = self._row(event)
        for n in event.urgings:
            row["open_urgings"].pop(str(n), None)

    @process_event.register
    def _supervision_lapsed(self, event: SupervisionDeadlineLapsed, tracking: Tracking) -> None:
        row = self._row(event)
        row["open_urgings"].pop(str(event.n), None)
        row["unmet_supervision"] += 1

    @process_event.register
    def _replied(self, event: Replied, tracking: Tracking) -> None:
        self._row(event)["status"] = "replied"

    @process_event.register
    def _closed(self, event: Closed, tracking: Tracking) -> None:
        self._row(event)["status"] = "closed"

    @process_event.register
    def _superior_notified(self, event: SuperiorNotified, tracking: Tracking) -> None:
        row, feedback = self._row(event), event.feedback
        self.view.feedback.append(
            (row["case_id"], feedback.n, feedback.unit, feedback.superior, feedback.note, micros(feedback.at), row["number"], row["summary"])
        )

    def _row(self, event: CaseEvent) -> dict[str, Any]:
        row = self.view.row(event.originator_id)
        if row is None:
            raise LookupError(f"case {event.originator_id} has no row: its Accepted event was not seen")
        return row


def _next_deadline(row: dict[str, Any]) -> int | None:
    """The earliest deadline still running while the case is with a unit: handling, response, urgings."""
    if row["status"] not in WITH_UNIT:
        return None
    candidates = [row["handling_due_us"], row["response_due_us"], *row["open_urgings"].values()]
    present = [c for c in candidates if c is not None]
    return min(present) if present else None


def _column(row: dict[str, Any], column: str) -> Any:
    value = row[column]
    return orjson.dumps(value).decode() if column in JSON_COLUMNS else value


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

