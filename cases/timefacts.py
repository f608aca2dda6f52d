"""Time-triggered facts of a case: deadlines lapsing, and the Art. 11(1) mark passing.

Rules and read models react to events alone, so the instant a deadline passes is recorded as an
event, stamped with that instant (``at``). Which facts are still pending is a pure function of
the case; recording them is idempotent (a fact already recorded is no longer pending), so the
timekeeper can run them after a restart or downtime and each is recorded exactly once.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Literal, NamedTuple

from cases.actors import Actor
from cases.events import (
    HandlingDeadlineLapsed,
    OverdueMarkPassed,
    ResponseDeadlineLapsed,
    SupervisionDeadlineLapsed,
    SupervisionRequired,
)
from cases.model import SupervisionGround

if TYPE_CHECKING:
    from cases.case import Case

AlarmKind = Literal["handling_lapse", "overdue_mark", "response_lapse", "supervision_lapse"]


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
    for urging in case.urgings:
        if urging.round == current.n and urging.met_at is None and urging.lapsed_at is None:
            alarms.append(Alarm("supervision_lapse", urging.n, urging.lapses_at))
    return sorted(alarms, key=lambda alarm: (alarm.at, alarm.kind, alarm.key))


def record_due_facts(case: Case, *, until: datetime, now: datetime | None, actor: Actor) -> int:
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
        _record(case, due[0], now=stamp, actor=actor)
        recorded += 1


def _record(case: Case, alarm: Alarm, *, now: datetime, actor: Actor) -> None:
    current = case.current_round
    if alarm.kind == "handling_lapse":
        case.trigger(
            HandlingDeadlineLapsed,
            now=now,
            actor=actor,
            round=current.n,
            unit=current.lead_unit,
            due_date=current.deadline.due_date,
            at=alarm.at,
        )
        _require_supervision_6_3(case, now=now, actor=actor)
    elif alarm.kind == "overdue_mark":
        case.trigger(
            OverdueMarkPassed,
            now=now,
            actor=actor,
            round=current.n,
            unit=current.lead_unit,
            mark_date=current.deadline.overdue_mark_date,
            at=alarm.at,
        )
    elif alarm.kind == "response_lapse":
        assert current.response is not None
        case.trigger(
            ResponseDeadlineLapsed,
            now=now,
            actor=actor,
            round=current.n,
            unit=current.lead_unit,
            due_at=current.response.due_at,
            at=alarm.at,
        )
    else:
        urging = case.urgings[alarm.key - 1]
        case.trigger(
            SupervisionDeadlineLapsed,
            now=now,
            actor=actor,
            n=urging.n,
            unit=urging.unit,
            due_date=urging.due_date,
            at=alarm.at,
        )


def _require_supervision_6_3(case: Case, *, now: datetime, actor: Actor) -> None:
    """Art. 6(3): a case overdue and not finished must be supervised."""
    current = case.current_round
    if case.has_ground("6(3)", current.n):
        return
    case.trigger(
        SupervisionRequired,
        now=now,
        actor=actor,
        ground=SupervisionGround(
            ground="6(3)",
            article="6(3)",
            reason=f"handling deadline {current.deadline.due_date.isoformat()} lapsed before the reply",
            round=current.n,
            at=current.deadline.lapsed_at or now,
            by=actor.staff,
            version=case.version + 1,
        ),
    )
