"""The scorecards read model: per-unit-month and per-staff-month totals of every figure, and their facts.

A projection with one handler per event it cares about: case events, finding events, the unit
registry (names, kinds, superiors), the calendar amendments (the sign window is counted in working
days) and the assessment policy (its versions). A batch loads the compact states of the cases and
findings it touches at once; the handlers change them; ``flush`` derives each touched entity's
facts again (``projections.figures``), writes the facts that appeared or changed, deletes those
that went away, and adds the difference to the totals (``INSERT ... ON CONFLICT DO UPDATE SET n =
n + excluded.n``), all in the batch's transaction with its position. So a query reads totals and
never counts cases; ``explain`` reads the facts behind one figure.

No requester data is kept: a case's state holds its number, summary and what happened to it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

import orjson
from eventsourcing.dispatch import singledispatchmethod
from eventsourcing.persistence import Tracking
from eventsourcing.utils import get_topic

from foundation.aggregate import DomainEvent
from foundation.projection import SqlProjection, View
from accountability.assessment import AssessmentPolicy
from accountability.finding import Finding
from cases.calendar import Amendment, WorkingCalendar, end_of_day, local_date
from cases.calendar_amendments import CalendarAmendments
from cases.events import (
    Accepted,
    CaseEvent,
    Dispatched,
    DispatchReturned,
    ExtensionDecided,
    ExtensionRequested,
    HandlingDeadlineLapsed,
    JustificationDecided,
    JustificationReported,
    RedoOrdered,
    Replied,
    ReturnDecided,
    Revisited,
    Signed,
    SupervisionDeadlineLapsed,
    SupervisionMet,
    SupervisionRequired,
    Urged,
    case_topics,
)
from cases.units import UnitRegistry
from projections.figures import case_facts, finding_facts, sign_due
from projections.findings_index import finding_topics
from projections.pages import from_micros, micros

CHUNK = 400


def scorecard_topics() -> tuple[str, ...]:
    others = (
        UnitRegistry.UnitRegistered, UnitRegistry.StaffAdded, CalendarAmendments.Amended,
        AssessmentPolicy.Started, AssessmentPolicy.WeightsSet,
    )
    return tuple(sorted({*case_topics(), *finding_topics(), *(get_topic(cls) for cls in others)}))


class ScorecardView(View):
    name = "scorecards"
    tables = ("rpt_entities", "rpt_facts", "rpt_month", "rpt_staff_month", "rpt_units", "rpt_staff", "rpt_calendar", "rpt_policy")

    def __init__(self, store: Any) -> None:
        super().__init__(store)
        self.entities: dict[str, dict[str, Any]] = {}
        self.calendar: WorkingCalendar | None = None
        self.calendar_rows: dict[int, tuple[Amendment, int]] = {}
        self.changed_calendar: set[int] = set()
        self.units: dict[str, tuple[Any, ...]] = {}
        self.staff: dict[str, tuple[Any, ...]] = {}
        self.policies: list[tuple[Any, ...]] = []

    def schema(self) -> list[str]:
        return [
            "CREATE TABLE IF NOT EXISTS {rpt_entities} (id TEXT PRIMARY KEY, kind TEXT NOT NULL, number TEXT NOT NULL, "
            "summary TEXT NOT NULL, state TEXT NOT NULL, facts TEXT NOT NULL)",
            "CREATE TABLE IF NOT EXISTS {rpt_facts} (entity TEXT NOT NULL, fact TEXT NOT NULL, figure TEXT NOT NULL, "
            "unit TEXT NOT NULL, month TEXT NOT NULL, staff TEXT NOT NULL, event TEXT NOT NULL, version INTEGER NOT NULL, "
            "at_us BIGINT NOT NULL, detail TEXT, PRIMARY KEY (entity, fact))",
            "CREATE INDEX IF NOT EXISTS rpt_facts_figure ON {rpt_facts} (unit, figure, month)",
            "CREATE INDEX IF NOT EXISTS rpt_facts_by_figure ON {rpt_facts} (figure, month)",
            "CREATE TABLE IF NOT EXISTS {rpt_month} (month TEXT NOT NULL, unit TEXT NOT NULL, figure TEXT NOT NULL, "
            "n BIGINT NOT NULL, PRIMARY KEY (month, unit, figure))",
            "CREATE INDEX IF NOT EXISTS rpt_month_unit ON {rpt_month} (unit, month, figure, n)",
            "CREATE INDEX IF NOT EXISTS rpt_month_figure ON {rpt_month} (figure, month, unit, n)",
            "CREATE TABLE IF NOT EXISTS {rpt_staff_month} (month TEXT NOT NULL, unit TEXT NOT NULL, staff TEXT NOT NULL, "
            "figure TEXT NOT NULL, n BIGINT NOT NULL, PRIMARY KEY (month, unit, staff, figure))",
            "CREATE TABLE IF NOT EXISTS {rpt_units} (id TEXT PRIMARY KEY, name TEXT NOT NULL, kind TEXT NOT NULL, "
            "parent_id TEXT, superior_id TEXT)",
            "CREATE TABLE IF NOT EXISTS {rpt_staff} (id TEXT PRIMARY KEY, unit_id TEXT NOT NULL, name TEXT NOT NULL, position TEXT)",
            "CREATE TABLE IF NOT EXISTS {rpt_calendar} (year INTEGER PRIMARY KEY, amendment TEXT NOT NULL, version INTEGER NOT NULL)",
            "CREATE TABLE IF NOT EXISTS {rpt_policy} (version INTEGER PRIMARY KEY, weights TEXT NOT NULL, at_us BIGINT NOT NULL, staff TEXT NOT NULL)",
        ]

    # ---------------------------------------------------------- writing a batch

    def load(self, ids: list[str]) -> None:
        """The states of the cases and findings a batch touches, read at once (with the calendar)."""
        if self.calendar is None and (kept := self.kept()) is not None:
            rows, self.calendar = kept
            self.calendar_rows = dict(rows)
        if self.calendar is None:
            self.calendar_rows = {
                row["year"]: (Amendment.model_validate_json(row["amendment"]), row["version"])
                for row in self.cursor.fetch("SELECT * FROM {t}", t="rpt_calendar")
            }
            self._build_calendar()
        wanted = [i for i in ids if i not in self.entities]
        for start in range(0, len(wanted), CHUNK):
            chunk = wanted[start : start + CHUNK]
            for row in self.cursor.fetch(f"SELECT id, state, facts FROM {{t}} WHERE id IN ({','.join('?' * len(chunk))})", chunk, t="rpt_entities"):
                state = orjson.loads(row["state"])
                state["_facts"] = orjson.loads(row["facts"])
                self.entities[row["id"]] = state

    def _build_calendar(self) -> None:
        version = max((v for _, v in self.calendar_rows.values()), default=0)
        self.calendar = WorkingCalendar({year: a for year, (a, _) in self.calendar_rows.items()}, version=version)

    def amend_calendar(self, amendment: Amendment, version: int) -> None:
        self.calendar_rows[amendment.year] = (amendment, version)
        self.changed_calendar.add(amendment.year)
        self._build_calendar()

    def entity(self, entity_id: Any) -> dict[str, Any] | None:
        return self.entities.get(str(entity_id))

    def flush(self) -> None:
        deltas: dict[tuple[str, str, str, str], int] = defaultdict(int)
        upserts, deletes, rows = [], [], []
        for entity_id, state in self.entities.items():
            old = state.pop("_facts", {})
            new = case_facts(state) if state["kind"] == "case" else finding_facts(state)
            for fact_id, value in old.items():
                if new.get(fact_id) != value:
                    _count(deltas, fact_id, value, -1)
                    if fact_id not in new:
                        deletes.append((entity_id, fact_id))
            for fact_id, value in new.items():
                if old.get(fact_id) != value:
                    _count(deltas, fact_id, value, +1)
                    upserts.append(_fact_row(entity_id, fact_id, value))
            rows.append((entity_id, state["kind"], state["number"], state["summary"], orjson.dumps(state).decode(), orjson.dumps(new).decode()))
            state["_facts"] = new
        cursor = self.cursor
        cursor.executemany(
            "INSERT INTO {t} (id, kind, number, summary, state, facts) VALUES (?,?,?,?,?,?) ON CONFLICT (id) DO UPDATE SET "
            "number=excluded.number, summary=excluded.summary, state=excluded.state, facts=excluded.facts",
            rows, t="rpt_entities",
        )
        cursor.executemany("DELETE FROM {t} WHERE entity = ? AND fact = ?", deletes, t="rpt_facts")
        cursor.executemany(
            "INSERT INTO {t} (entity, fact, figure, unit, month, staff, event, version, at_us, detail) VALUES (?,?,?,?,?,?,?,?,?,?) "
            "ON CONFLICT (entity, fact) DO UPDATE SET staff=excluded.staff, event=excluded.event, version=excluded.version, "
            "at_us=excluded.at_us, detail=excluded.detail",
            upserts, t="rpt_facts",
        )
        cursor.executemany(
            "INSERT INTO {t} AS m (month, unit, figure, n) VALUES (?,?,?,?) ON CONFLICT (month, unit, figure) DO UPDATE SET n = m.n + excluded.n",
            sorted((month, unit, figure, n) for (month, unit, staff, figure), n in deltas.items() if n and not staff), t="rpt_month",
        )
        cursor.executemany(
            "INSERT INTO {t} AS m (month, unit, staff, figure, n) VALUES (?,?,?,?,?) "
            "ON CONFLICT (month, unit, staff, figure) DO UPDATE SET n = m.n + excluded.n",
            sorted((*key, n) for key, n in deltas.items() if n and key[2]), t="rpt_staff_month",
        )
        cursor.executemany(
            "INSERT INTO {t} (id, name, kind, parent_id, superior_id) VALUES (?,?,?,?,?) ON CONFLICT (id) DO UPDATE SET "
            "name=excluded.name, kind=excluded.kind, parent_id=excluded.parent_id, superior_id=excluded.superior_id",
            list(self.units.values()), t="rpt_units",
        )
        cursor.executemany(
            "INSERT INTO {t} (id, unit_id, name, position) VALUES (?,?,?,?) ON CONFLICT (id) DO UPDATE SET "
            "unit_id=excluded.unit_id, name=excluded.name, position=excluded.position",
            list(self.staff.values()), t="rpt_staff",
        )
        cursor.executemany(
            "INSERT INTO {t} (year, amendment, version) VALUES (?,?,?) ON CONFLICT (year) DO UPDATE SET "
            "amendment=excluded.amendment, version=excluded.version",
            [(year, self.calendar_rows[year][0].model_dump_json(), self.calendar_rows[year][1]) for year in sorted(self.changed_calendar)],
            t="rpt_calendar",
        )
        cursor.executemany("INSERT INTO {t} (version, weights, at_us, staff) VALUES (?,?,?,?) ON CONFLICT DO NOTHING", self.policies, t="rpt_policy")
        if self.calendar is not None:
            self.keep((dict(self.calendar_rows), self.calendar))  # the next batch need not read the calendar again

    def forget(self) -> None:
        self.entities, self.units, self.staff, self.policies = {}, {}, {}, []
        self.changed_calendar = set()
        self.calendar = None

    # ------------------------------------------------------------------ queries

    def totals(self, months: tuple[str, str], *, units: Iterable[str] | None = None, by_staff: bool = False) -> dict[tuple[str, str], dict[str, int]]:
        """The figures summed over ``months`` (first, last), by unit (and staff member): never a count of cases."""
        clauses, params = ["month BETWEEN ? AND ?"], [*months]
        if units is not None:
            units = list(units)
            if not units:
                return {}
            clauses.append(f"unit IN ({','.join('?' * len(units))})")
            params += units
        staff = "staff" if by_staff else "'' AS staff"
        rows = self.sql.query(
            f"SELECT unit, {staff}, figure, SUM(n) AS n FROM {{t}} WHERE " + " AND ".join(clauses)
            + f" GROUP BY unit, {'staff, ' if by_staff else ''}figure",
            params, t="rpt_staff_month" if by_staff else "rpt_month",
        )
        found: dict[tuple[str, str], dict[str, int]] = defaultdict(dict)
        for row in rows:
            if row["n"]:
                found[(row["unit"], row["staff"])][row["figure"]] = int(row["n"])
        return dict(found)

    def by_month(self, months: tuple[str, str], figures: Sequence[str], *, units: Iterable[str] | None = None) -> dict[str, dict[str, dict[str, int]]]:
        """month → unit → figure → n, for a trend."""
        clauses = [f"figure IN ({','.join('?' * len(figures))})", "month BETWEEN ? AND ?"]
        params: list[Any] = [*figures, *months]
        if units is not None:
            units = list(units)
            clauses.append(f"unit IN ({','.join('?' * len(units))})" if units else "1 = 0")
            params += units
        rows = self.sql.query("SELECT month, unit, figure, n FROM {t} WHERE " + " AND ".join(clauses), params, t="rpt_month")
        found: dict[str, dict[str, dict[str, int]]] = defaultdict(lambda: defaultdict(dict))
        for row in rows:
            found[row["month"]][row["unit"]][row["figure"]] = int(row["n"])
        return found

    def facts(
        self, figure: str, months: tuple[str, str], *, units: Iterable[str] | None, after: tuple[int, str, str] | None = None, limit: int = 500
    ) -> list[tuple[dict[str, Any], tuple[int, str, str]]]:
        """The facts behind a figure (what ``?explain=`` lists), oldest first, each with its sort key
        (pages start ``after`` the key of the last fact served)."""
        clauses, params = ["f.figure = ?", "f.month BETWEEN ? AND ?"], [figure, *months]
        if after is not None:
            clauses.append("(f.at_us > ? OR (f.at_us = ? AND (f.entity > ? OR (f.entity = ? AND f.fact > ?))))")
            params += [after[0], after[0], after[1], after[1], after[2]]
        if units is not None:
            units = list(units)
            clauses.append(f"f.unit IN ({','.join('?' * len(units))})" if units else "1 = 0")
            params += units
        rows = self.sql.query(
            "SELECT f.*, e.kind, e.number, e.summary FROM {f} f JOIN {e} e ON e.id = f.entity WHERE "
            + " AND ".join(clauses) + " ORDER BY f.at_us, f.entity, f.fact LIMIT ?",
            [*params, limit], f="rpt_facts", e="rpt_entities",
        )
        return [(_fact_item(row), (int(row["at_us"]), row["entity"], row["fact"])) for row in rows]

    def decided(self, months: tuple[str, str], figures: Sequence[str]) -> list[dict[str, Any]]:
        """Facts of the given figures over every unit (decisions on findings in a month)."""
        rows = self.sql.query(
            "SELECT f.*, e.kind, e.number, e.summary FROM {f} f JOIN {e} e ON e.id = f.entity WHERE f.month BETWEEN ? AND ? "
            f"AND f.figure IN ({','.join('?' * len(figures))}) ORDER BY f.at_us, f.entity, f.fact",
            [*months, *figures], f="rpt_facts", e="rpt_entities",
        )
        return [_fact_item(row) for row in rows]

    def unit_table(self) -> dict[str, dict[str, Any]]:
        return {row["id"]: row for row in self.sql.query("SELECT * FROM {t} ORDER BY id", t="rpt_units")}

    def staff_table(self) -> dict[str, dict[str, Any]]:
        return {row["id"]: row for row in self.sql.query("SELECT * FROM {t} ORDER BY id", t="rpt_staff")}

    def policy(self, version: int | None = None) -> dict[str, Any] | None:
        """The assessment policy at ``version`` (the latest if None); None before any was set."""
        where, params = ("WHERE version = ?", [version]) if version is not None else ("", [])
        rows = self.sql.query("SELECT * FROM {t} " + where + " ORDER BY version DESC LIMIT 1", params, t="rpt_policy")
        if not rows:
            return None
        row = rows[0]
        return {"version": row["version"], "weights": orjson.loads(row["weights"]), "set_at_us": row["at_us"], "set_by": row["staff"]}


def _count(deltas: dict[tuple[str, str, str, str], int], fact_id: str, value: list[Any], sign: int) -> None:
    figure, unit, month, _ = fact_id.split("|", 3)
    deltas[(month, unit, "", figure)] += sign
    for person in value[0]:
        deltas[(month, unit, person, figure)] += sign


def _fact_row(entity_id: str, fact_id: str, value: list[Any]) -> tuple[Any, ...]:
    figure, unit, month, _ = fact_id.split("|", 3)
    staff, event, version, at_us, detail = value
    return (entity_id, fact_id, figure, unit, month, ",".join(staff), event, version, at_us, None if detail is None else orjson.dumps(detail).decode())


def _fact_item(row: dict[str, Any]) -> dict[str, Any]:
    item: dict[str, Any] = {"case_id" if row["kind"] == "case" else "finding_id": row["entity"]}
    if row["kind"] == "case":
        item |= {"number": row["number"], "summary": row["summary"]}
    else:
        item |= {"clause": row["number"], "description": row["summary"]}
    item |= {
        "figure": row["figure"],
        "unit": row["unit"],
        "month": row["month"],
        "counted_by": {"event": row["event"], "version": row["version"], "at": from_micros(row["at_us"]).isoformat()},
        "staff": [s for s in row["staff"].split(",") if s],
    }
    if row["detail"] is not None:
        item["detail"] = orjson.loads(row["detail"])
    return item


class Scorecards(SqlProjection):
    """Keeps ``ScorecardView`` from the events of cases, findings, the registry, the calendar and the assessment policy."""

    name = ScorecardView.name
    topics = scorecard_topics()
    view: ScorecardView

    def handle_events(self, events: Any) -> None:
        self.view.load(list(dict.fromkeys(str(event.originator_id) for event, _ in events)))
        handle = self.process_event  # bound once per batch (see SqlProjection.handle_events)
        for event, tracking in events:
            handle(event, tracking)

    @singledispatchmethod
    def process_event(self, event: DomainEvent, tracking: Tracking) -> None:
        """An event that changes no figure (a talk, a contribution, an escalation, ...)."""

    # ------------------------------------------------------------- reference data

    @process_event.register
    def _unit(self, event: UnitRegistry.UnitRegistered, tracking: Tracking) -> None:
        unit = event.unit
        self.view.units[unit.id] = (unit.id, unit.name, unit.kind, unit.parent_id, unit.superior_id)

    @process_event.register
    def _staff(self, event: UnitRegistry.StaffAdded, tracking: Tracking) -> None:
        member = event.member
        self.view.staff[member.id] = (member.id, member.unit_id, member.name, member.position)

    @process_event.register
    def _amended(self, event: CalendarAmendments.Amended, tracking: Tracking) -> None:
        self.view.amend_calendar(event.amendment, event.originator_version)

    @process_event.register
    def _policy_started(self, event: AssessmentPolicy.Started, tracking: Tracking) -> None:
        self._policy(event, event.weights)

    @process_event.register
    def _policy_set(self, event: AssessmentPolicy.WeightsSet, tracking: Tracking) -> None:
        self._policy(event, event.weights)

    def _policy(self, event: DomainEvent, weights: Any) -> None:
        self.view.policies.append((event.originator_version, weights.model_dump_json(), micros(event.timestamp), event.actor.staff))

    # ----------------------------------------------------------------------- cases

    @process_event.register
    def _accepted(self, event: Accepted, tracking: Tracking) -> None:
        self.view.entities[str(event.originator_id)] = {
            "kind": "case", "number": event.number, "summary": event.summary, "rounds": [], "returns": [],
            "extensions": [], "justifications": [], "urgings": [], "grounds": [], "revisits": [],
        }

    @process_event.register
    def _dispatched(self, event: Dispatched, tracking: Tracking) -> None:
        self._new_round(event, event.handling_round)

    @process_event.register
    def _redo(self, event: RedoOrdered, tracking: Tracking) -> None:
        self._new_round(event, event.handling_round)

    def _new_round(self, event: CaseEvent, handling_round: Any) -> None:
        started = micros(handling_round.started_at)
        self._case(event)["rounds"].append(
            {
                "n": handling_round.n, "kind": handling_round.kind, "lead": handling_round.lead_unit, "started": started,
                "version": event.originator_version,
                "sign_due": micros(end_of_day(sign_due(local_date(handling_round.started_at), self.view.calendar))),
            }
        )

    @process_event.register
    def _signed(self, event: Signed, tracking: Tracking) -> None:
        current = self._case(event)["rounds"][-1]
        if event.lead and "sign" not in current:
            signature = event.signature
            current["sign"] = {"staff": signature.staff, "at": micros(signature.at), "version": event.originator_version}

    @process_event.register
    def _returned(self, event: DispatchReturned, tracking: Tracking) -> None:
        returned = event.dispatch_return
        self._case(event)["returns"].append(
            {"n": returned.n, "round": returned.round, "unit": returned.unit, "staff": returned.staff or None, "at": micros(returned.at), "version": event.originator_version}
        )

    @process_event.register
    def _return_decided(self, event: ReturnDecided, tracking: Tracking) -> None:
        self._case(event)["returns"][event.n - 1]["decision"] = _decision(event, event.decision)

    @process_event.register
    def _extension_requested(self, event: ExtensionRequested, tracking: Tracking) -> None:
        request = event.request
        self._case(event)["extensions"].append({"n": request.n, "round": request.round, "unit": request.unit, "at": micros(request.at)})

    @process_event.register
    def _extension_decided(self, event: ExtensionDecided, tracking: Tracking) -> None:
        self._case(event)["extensions"][event.n - 1]["decision"] = _decision(event, event.decision)

    @process_event.register
    def _justification_reported(self, event: JustificationReported, tracking: Tracking) -> None:
        justification = event.justification
        self._case(event)["justifications"].append({"n": justification.n, "round": justification.round, "unit": justification.unit})

    @process_event.register
    def _justification_decided(self, event: JustificationDecided, tracking: Tracking) -> None:
        self._case(event)["justifications"][event.n - 1]["decision"] = _decision(event, event.decision)

    @process_event.register
    def _urged(self, event: Urged, tracking: Tracking) -> None:
        urging = event.urging
        self._case(event)["urgings"].append(
            {
                "n": urging.n, "round": urging.round, "method": urging.method, "article": urging.article, "unit": urging.unit,
                "addressee": urging.addressee, "at": micros(urging.at), "due": urging.due_date.isoformat(), "version": event.originator_version,
            }
        )

    @process_event.register
    def _met(self, event: SupervisionMet, tracking: Tracking) -> None:
        urgings = self._case(event)["urgings"]
        for n in event.urgings:
            urgings[n - 1]["met"] = {"at": micros(event.timestamp), "version": event.originator_version}

    @process_event.register
    def _supervision_lapsed(self, event: SupervisionDeadlineLapsed, tracking: Tracking) -> None:
        urging = self._case(event)["urgings"][event.n - 1]
        urging["lapsed"] = {"at": micros(event.at), "version": event.originator_version}
        urging["due"] = event.due_date.isoformat()

    @process_event.register
    def _supervision_required(self, event: SupervisionRequired, tracking: Tracking) -> None:
        ground = event.ground
        self._case(event)["grounds"].append({"ground": ground.ground, "round": ground.round, "at": micros(ground.at), "version": event.originator_version})

    @process_event.register
    def _lapsed(self, event: HandlingDeadlineLapsed, tracking: Tracking) -> None:
        self._case(event)["rounds"][event.round - 1]["lapse"] = {
            "unit": event.unit, "due": event.due_date.isoformat(), "at": micros(event.at), "version": event.originator_version,
        }

    @process_event.register
    def _replied(self, event: Replied, tracking: Tracking) -> None:
        reply = event.reply
        self._case(event)["rounds"][-1]["reply"] = {"staff": reply.staff, "at": micros(reply.at), "late": event.late, "version": event.originator_version}

    @process_event.register
    def _revisited(self, event: Revisited, tracking: Tracking) -> None:
        revisit = event.revisit
        self._case(event)["revisits"].append(
            {
                "n": revisit.n, "round": revisit.round, "at": micros(revisit.at), "satisfied": revisit.satisfied,
                "matches": revisit.reply_matches_facts, "satisfaction": revisit.satisfaction, "version": event.originator_version,
            }
        )

    def _case(self, event: CaseEvent) -> dict[str, Any]:
        state = self.view.entity(event.originator_id)
        if state is None:
            raise LookupError(f"case {event.originator_id} has no state: its Accepted event was not seen")
        return state

    # -------------------------------------------------------------------- findings

    @process_event.register
    def _raised(self, event: Finding.Raised, tracking: Tracking) -> None:
        persons = [p for p in dict.fromkeys((event.subject.staff, *event.staff_concerned)) if p]
        self.view.entities[str(event.originator_id)] = {
            "kind": "finding", "number": event.clause, "summary": event.description, "clause": event.clause,
            "unit": event.subject.unit, "persons": persons, "status": "candidate", "period": event.period,
            "raised": {"at": micros(event.timestamp), "version": event.originator_version},
            "sanctions": [], "appeals": [], "referrals": [],
        }

    @process_event.register
    def _basis_extended(self, event: Finding.BasisExtended, tracking: Tracking) -> None:
        self._finding(event)["summary"] = event.description

    @process_event.register
    def _reraised(self, event: Finding.Reraised, tracking: Tracking) -> None:
        finding = self._finding(event)
        finding.update(status="candidate", summary=event.description)

    @process_event.register
    def _withdrawn(self, event: Finding.Withdrawn, tracking: Tracking) -> None:
        self._finding(event)["status"] = "withdrawn"

    @process_event.register
    def _confirmed(self, event: Finding.Confirmed, tracking: Tracking) -> None:
        self._decide(event, "confirmed")

    @process_event.register
    def _dismissed(self, event: Finding.Dismissed, tracking: Tracking) -> None:
        self._decide(event, "dismissed")

    @process_event.register
    def _mitigated(self, event: Finding.Mitigated, tracking: Tracking) -> None:
        if event.effect == "waive":
            self._decide(event, "waived")

    def _decide(self, event: DomainEvent, status: str) -> None:
        finding = self._finding(event)
        finding["status"] = status
        finding[status] = {"at": micros(event.timestamp), "version": event.originator_version}

    @process_event.register
    def _sanctioned(self, event: Finding.Sanctioned, tracking: Tracking) -> None:
        finding, sanction = self._finding(event), event.sanction
        staff = sanction.staff
        if staff is None and sanction.scope == "individual":  # v1: the person was the finding's subject
            staff = next(iter(finding["persons"]), None)
        finding["status"] = "sanctioned"
        finding["sanctions"].append(
            {
                "n": sanction.n, "at": micros(sanction.at), "version": event.originator_version, "scope": sanction.scope,
                "staff": staff, "imposed": list(sanction.imposed), "measures": list(sanction.measures),
            }
        )
        if staff and staff not in finding["persons"]:
            finding["persons"].append(staff)

    @process_event.register
    def _appealed(self, event: Finding.Appealed, tracking: Tracking) -> None:
        appeal = event.appeal
        self._finding(event)["appeals"].append(
            {"n": appeal.n, "sanction": appeal.sanction, "by": appeal.by, "at": micros(appeal.at), "version": event.originator_version}
        )

    @process_event.register
    def _appeal_decided(self, event: Finding.AppealDecided, tracking: Tracking) -> None:
        finding, decision = self._finding(event), event.decision
        appeal = finding["appeals"][event.n - 1]
        appeal["decided"] = {"outcome": decision.outcome, "measures": list(decision.measures), "at": micros(decision.at), "version": event.originator_version}
        finding["sanctions"][appeal["sanction"] - 1]["measures"] = list(decision.measures)

    @process_event.register
    def _referred(self, event: Finding.Referred, tracking: Tracking) -> None:
        referrals = self._finding(event)["referrals"]
        referrals.append({"n": len(referrals) + 1, "to": event.to, "at": micros(event.timestamp), "version": event.originator_version})

    def _finding(self, event: DomainEvent) -> dict[str, Any]:
        state = self.view.entity(event.originator_id)
        if state is None:
            raise LookupError(f"finding {event.originator_id} has no state: its Raised event was not seen")
        return state


def _decision(event: DomainEvent, decision: Any) -> dict[str, Any]:
    return {"granted": decision.granted, "at": micros(decision.at), "version": event.originator_version}
