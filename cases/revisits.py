"""After the reply: the revisit (回访) of the requester, the return for redo (发回重办), and whether
a redo that still leaves the requester unsatisfied is the unit's fault (Art. 6(4)).
"""

from __future__ import annotations

from datetime import datetime

from foundation.actors import Actor
from foundation.errors import InvalidInput
from cases.calendar import WorkingCalendar
from cases.case import Case
from cases.events import RedoAttributed, RedoOrdered, Revisited
from cases.grounds import require_supervision
from cases.handling import new_round
from cases.policy import PolicyTable
from cases.timefacts import prepare
from cases.values import HandlingRound, RedoAttribution, Revisit, Satisfaction

SATISFIED_LEVELS = frozenset({"very_satisfied", "satisfied", "basically_satisfied"})
"""The levels of the five-level scale (国办发〔2019〕51号) that count as satisfied."""


def revisit(
    case: Case,
    *,
    satisfied: bool,
    reply_matches_facts: bool,
    note: str,
    satisfaction: Satisfaction | None,
    now: datetime,
    actor: Actor,
) -> Revisit:
    """The requester's feedback on the reply, and the verification that it matches the facts."""
    prepare(case, "revisit", now=now)
    current = case.current_round
    if any(r.round == current.n for r in case.revisits):
        raise case.refuse("revisit", f"round {current.n} is already revisited")
    if satisfaction is not None and satisfied != (satisfaction in SATISFIED_LEVELS):
        raise InvalidInput("satisfaction", f"'{satisfaction}' contradicts satisfied={str(satisfied).lower()}")
    feedback = Revisit(
        n=len(case.revisits) + 1,
        round=current.n,
        satisfied=satisfied,
        reply_matches_facts=reply_matches_facts,
        note=note,
        satisfaction=satisfaction,
        at=now,
        staff=actor.staff,
        version=case.version + 1,
    )
    case.trigger(Revisited, now=now, actor=actor, revisit=feedback)
    return feedback


def redo(
    case: Case,
    *,
    reason: str,
    working_days: int | None,
    policy: PolicyTable,
    calendar: WorkingCalendar,
    now: datetime,
    actor: Actor,
) -> HandlingRound:
    """Return for redo: the same units, a new round and a new deadline."""
    prepare(case, "redo", now=now)
    previous = case.current_round
    handling_round = new_round(
        case, kind="redo", lead_unit=previous.lead_unit, co_units=previous.co_units, working_days=working_days,
        policy=policy, calendar=calendar, now=now, lead_is_non_member=bool(previous.lead_is_non_member),
    )
    case.trigger(RedoOrdered, now=now, actor=actor, reason=reason, handling_round=handling_round)
    return handling_round


def attribute_redo(case: Case, *, unit_at_fault: bool, reason: str, now: datetime, actor: Actor) -> RedoAttribution:
    """After a redo the requester is still unsatisfied: the unit's fault makes it a 6(4) case."""
    prepare(
        case,
        "redo-attribution",
        now=now,
        why="it needs a redo round whose reply the requester found unsatisfying, not yet attributed",
    )
    current = case.current_round
    attribution = RedoAttribution(
        round=current.n,
        unit=current.lead_unit,
        unit_at_fault=unit_at_fault,
        reason=reason,
        at=now,
        version=case.version + 1,
    )
    case.trigger(RedoAttributed, now=now, actor=actor, attribution=attribution)
    if unit_at_fault:
        reason_6_4 = f"still unsatisfied after redo, attributed to {current.lead_unit}: {reason}"
        require_supervision(case, "6(4)", reason_6_4, now=now, actor=actor)
    return attribution
