"""Handling a case: dispatch, signing, returns, the emergency response, the reply, archiving.

A unit acts on a case only while it is with that unit (dispatched, signed, redo). A dispatch and a
redo each start a handling round with its own deadline (``new_round``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Literal

from foundation.actors import Actor
from foundation.errors import InvalidInput
from cases.calendar import WorkingCalendar, local_date
from cases.case import Case
from cases.deadlines import handling_deadline, handling_rule, response_deadline
from cases.events import Closed, Dispatched, DispatchReturned, Replied, Responded, ReturnDecided, Signed
from cases.policy import PolicyTable
from cases.supervision import meet_urgings
from cases.timefacts import prepare
from cases.units import Unit, UnitRegistry
from cases.values import DispatchReturn, HandlingRound, Reply, ReplyOutcome, ResponseDeadline, Signature


def new_round(
    case: Case,
    *,
    kind: Literal["dispatch", "redo"],
    lead_unit: str,
    co_units: Sequence[str],
    working_days: int | None,
    policy: PolicyTable,
    calendar: WorkingCalendar,
    now: datetime,
    lead_is_non_member: bool,
    response: ResponseDeadline | None = None,
) -> HandlingRound:
    """The next handling round, with its deadline: ``working_days`` as given, or the category's policy."""
    start = local_date(now)
    if working_days is not None:
        days, source = working_days, f"set at {kind}"
    else:
        days, source = policy.working_days(case.category, case.urgency)
    deadline = handling_deadline(start=start, working_days=days, calendar=calendar, rule=handling_rule(days, start, kind, source))
    return HandlingRound(
        n=case.round_number + 1,
        kind=kind,
        lead_unit=lead_unit,
        co_units=tuple(co_units),
        started_at=now,
        deadline=deadline,
        response=response,
        version=case.version + 1,
        lead_is_non_member=lead_is_non_member,
    )


def dispatch(
    case: Case,
    *,
    lead_unit: str,
    co_units: Sequence[str],
    working_days: int | None,
    response_hours: int | None,
    registry: UnitRegistry,
    policy: PolicyTable,
    calendar: WorkingCalendar,
    now: datetime,
    actor: Actor,
) -> HandlingRound:
    """Hand the case to a lead unit and co-units and set the handling deadline (and an emergency's response deadline)."""
    prepare(case, "dispatch", now=now)
    lead = _check_units(lead_unit, co_units, registry)
    if response_hours is not None and case.urgency != "emergency":
        raise InvalidInput("response_hours", "a response deadline applies only to emergency cases")
    pending = case.pending_return
    if pending is not None:
        _decide_return(case, pending.n, granted=True, reason="re-dispatched by the center", now=now, actor=actor)
    response = None
    if case.urgency == "emergency":
        hours, source = (response_hours, "set at dispatch") if response_hours is not None else policy.response_hours(case.category)
        response = response_deadline(dispatched_at=now, hours=hours, source=source)
    handling_round = new_round(
        case, kind="dispatch", lead_unit=lead_unit, co_units=co_units, working_days=working_days,
        policy=policy, calendar=calendar, now=now, response=response, lead_is_non_member=lead.kind == "non_member",
    )
    case.trigger(Dispatched, now=now, actor=actor, handling_round=handling_round)
    return handling_round


def _check_units(lead_unit: str, co_units: Sequence[str], registry: UnitRegistry) -> Unit:
    lead = registry.handling_unit(lead_unit, "lead_unit")
    for i, unit in enumerate(co_units):
        registry.handling_unit(unit, f"co_units[{i}]")
        if unit == lead_unit:
            raise InvalidInput(f"co_units[{i}]", "the lead unit cannot also be a co-unit")
        if unit in co_units[:i]:
            raise InvalidInput(f"co_units[{i}]", f"'{unit}' is listed twice")
    return lead


def sign(case: Case, *, now: datetime, actor: Actor) -> Signature:
    """A unit on the case acknowledges receipt (签收); each co-unit signs separately."""
    prepare(case, "sign", now=now)
    unit = case.acting_unit(actor, "sign")
    current = case.current_round
    if current.signed_by(unit):
        raise case.refuse("sign", f"case is already signed by {unit} in round {current.n}")
    signature = Signature(unit=unit, at=now, staff=actor.staff)
    case.trigger(Signed, now=now, actor=actor, signature=signature, lead=unit == current.lead_unit)
    return signature


def return_dispatch(case: Case, *, reason: str, now: datetime, actor: Actor) -> DispatchReturn:
    """The lead unit says the case is not its business; it goes back to the center."""
    prepare(case, "return-dispatch", now=now)
    case.acting_unit(actor, "return-dispatch")
    case.require_lead(actor, "return-dispatch")
    current = case.current_round
    returned = DispatchReturn(
        n=len(case.returns) + 1,
        round=current.n,
        unit=current.lead_unit,
        reason=reason,
        at=now,
        version=case.version + 1,
        previous_status=case.status,
        staff=actor.staff,
    )
    case.trigger(DispatchReturned, now=now, actor=actor, dispatch_return=returned)
    return returned


def decide_return(case: Case, number: int, *, accepted: bool, reason: str, now: datetime, actor: Actor) -> None:
    """The center rules on a return: accepted (re-dispatch) or rejected (back to the unit, 推诿)."""
    prepare(case, "return-decision", now=now)
    case.undecided(case.returns, number, "return-decision", "return")
    _decide_return(case, number, granted=accepted, reason=reason, now=now, actor=actor)


def _decide_return(case: Case, number: int, *, granted: bool, reason: str, now: datetime, actor: Actor) -> None:
    returned = case.returns[number - 1]
    decision = case.decision(granted=granted, reason=reason, now=now, actor=actor)
    status = "accepted" if granted else returned.previous_status
    case.trigger(ReturnDecided, now=now, actor=actor, n=number, decision=decision, status=status)


def respond(case: Case, *, note: str, now: datetime, actor: Actor) -> None:
    """The first response to an emergency case meets its response deadline (Art. 11(3))."""
    prepare(case, "respond", now=now, why="only an emergency case awaiting its first response accepts it")
    unit = case.acting_unit(actor, "respond")
    case.trigger(Responded, now=now, actor=actor, unit=unit, note=note)


def reply(case: Case, *, content: str, outcome: ReplyOutcome, now: datetime, actor: Actor) -> Reply:
    """The lead unit's reply ends the round and finishes (办结) the case for every open urging."""
    prepare(case, "reply", now=now)
    unit = case.acting_unit(actor, "reply")
    case.require_lead(actor, "reply")
    current = case.current_round
    response = current.response
    if response is not None and response.responded_at is None and response.lapsed_at is None:
        case.trigger(Responded, now=now, actor=actor, unit=unit, note="replied")
    answer = Reply(unit=unit, content=content, outcome=outcome, at=now, staff=actor.staff, version=case.version + 1)
    case.trigger(Replied, now=now, actor=actor, reply=answer, late=current.deadline.lapsed_at is not None)
    meet_urgings(case, now=now, actor=actor, unit=None)
    return answer


def close(case: Case, *, now: datetime, actor: Actor) -> None:
    """Archive (归档) the case."""
    prepare(case, "close", now=now)
    if case.pending_return is not None:
        raise case.refuse("close", "a return awaits the center's decision")
    case.trigger(Closed, now=now, actor=actor)
