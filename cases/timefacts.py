"""Time-triggered facts of a case: deadlines lapsing, and the Art. 11(1) mark passing.

Rules and read models react to events alone, so the instant a deadline passes is recorded as an
event, stamped with that instant (``at``). Which facts are still pending is a pure function of
the case (``pending_alarms``, also what the write side's timers index keeps); recording them is
idempotent (a fact already recorded is no longer pending), so the timekeeper can run them after a
restart or downtime and each is recorded exactly once. Every command first records the facts
already due (``prepare``), so a decision never rests on a stale picture of time.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal, NamedTuple

from foundation.actors import Actor, system
from cases.case import Case
from cases.events import HandlingDeadlineLapsed, OverdueMarkPassed, ResponseDeadlineLapsed, SupervisionDeadlineLapsed
from cases.grounds import require_supervision

AlarmKind = Literal["handling_lapse", "overdue_mark", "response_lapse", "supervision_lapse"]
TIMEKEEPER = system("timekeeper")


class Alarm(NamedTuple):
    """A fact that becomes true at ``at`` unless the case moves on first."""

    kind: AlarmKind
    key: int
    """The handling round (or, for a supervision lapse, the urging number)."""
    at: datetime


def pending_alarms(case: Case) -> list[Alarm]:
    """The facts still to be recorded, earliest first; none while the case is not with a unit."""
    if not case.is_with_unit:
        return []
    current = case.current_round
    if current.reply is not None or current.returned:
        return []
    alarms: list[Alarm] = []
    deadline = current.deadline
    if deadline.lapsed_at is None:
        alarms.append(Alarm("handling_lapse", current.n, deadline.lapses_at))
    elif deadline.mark_passed_at is None:
        alarms.append(Alarm("overdue_mark", current.n, deadline.overdue_mark_at))
    response = current.response
    if response is not None and response.responded_at is None and response.lapsed_at is None:
        alarms.append(Alarm("response_lapse", current.n, response.due_at))
    alarms += [
        Alarm("supervision_lapse", urging.n, urging.lapses_at)
        for urging in case.urgings
        if urging.round == current.n and urging.met_at is None and urging.lapsed_at is None
    ]
    return sorted(alarms, key=lambda alarm: (alarm.at, alarm.kind, alarm.key))


def record_due_facts(case: Case, *, until: datetime, now: datetime | None, actor: Actor = TIMEKEEPER) -> int:
    """Record, in time order, every pending fact that became true at or before ``until``.

    Each event is stamped ``now`` (the instant it is recorded); with ``now=None`` (a simulated
    clock passing through the fact) it is stamped with the instant the fact became true.
    """
    recorded = 0
    while True:
        due = [alarm for alarm in pending_alarms(case) if alarm.at <= until]
        if not due:
            return recorded
        stamp = now if now is not None else max(due[0].at, case.modified_on)
        RECORDERS[due[0].kind](case, due[0], now=stamp, actor=actor)
        recorded += 1


def prepare(case: Case, action: str, *, now: datetime, why: str = "") -> None:
    """Record the time facts due by ``now``, then refuse ``action`` if the case's state does not allow it."""
    record_due_facts(case, until=now, now=now)
    case.require_allowed(action, why)


def _handling_lapse(case: Case, alarm: Alarm, *, now: datetime, actor: Actor) -> None:
    current = case.current_round
    deadline = current.deadline
    case.trigger(
        HandlingDeadlineLapsed, now=now, actor=actor, round=current.n, unit=current.lead_unit, due_date=deadline.due_date, at=alarm.at
    )
    reason = f"handling deadline {deadline.due_date.isoformat()} lapsed before the reply"
    require_supervision(case, "6(3)", reason, now=now, actor=actor, at=alarm.at)  # Art. 6(3)


def _overdue_mark(case: Case, alarm: Alarm, *, now: datetime, actor: Actor) -> None:
    current = case.current_round
    case.trigger(
        OverdueMarkPassed,
        now=now,
        actor=actor,
        round=current.n,
        unit=current.lead_unit,
        mark_date=current.deadline.overdue_mark_date,
        at=alarm.at,
    )


def _response_lapse(case: Case, alarm: Alarm, *, now: datetime, actor: Actor) -> None:
    current = case.current_round
    case.trigger(ResponseDeadlineLapsed, now=now, actor=actor, round=current.n, unit=current.lead_unit, due_at=alarm.at, at=alarm.at)


def _supervision_lapse(case: Case, alarm: Alarm, *, now: datetime, actor: Actor) -> None:
    urging = case.urgings[alarm.key - 1]
    case.trigger(
        SupervisionDeadlineLapsed, now=now, actor=actor, n=urging.n, unit=urging.unit, due_date=urging.due_date, at=alarm.at
    )


RECORDERS = {
    "handling_lapse": _handling_lapse,
    "overdue_mark": _overdue_mark,
    "response_lapse": _response_lapse,
    "supervision_lapse": _supervision_lapse,
}
