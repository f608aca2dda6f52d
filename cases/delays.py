"""Delays a unit asks to be excused: extension requests, justification reports (Art. 11(1)), and
the recount of deadlines after a calendar amendment.

* An extension is requested before the deadline lapses; an approval moves the due date past the
  current one (a late approval never undoes a lapse: see ``deadlines.extended``).
* A justification report (报告说明正当理由) accepted by the center takes a lapse out of Art. 11(1)
  and Art. 11(2).
"""

from __future__ import annotations

from datetime import datetime

from foundation.actors import Actor
from cases.calendar import WorkingCalendar, end_of_day, local_date
from cases.case import Case
from cases.deadlines import SUPERVISION_WORKING_DAYS, extended, recomputed
from cases.events import (
    DeadlinesRecomputed,
    ExtensionDecided,
    ExtensionRequested,
    JustificationDecided,
    JustificationReported,
)
from cases.timefacts import TIMEKEEPER, prepare, record_due_facts
from cases.values import ExtensionRequest, Justification


def request_extension(case: Case, *, working_days: int, reason: str, now: datetime, actor: Actor) -> ExtensionRequest:
    """Ask for more time; a request is filed before the deadline lapses."""
    prepare(case, "extension-requests", now=now)
    case.acting_unit(actor, "extension-requests")
    case.require_lead(actor, "extension-requests")
    current = case.current_round
    if current.deadline.lapsed_at is not None:
        raise case.refuse("extension-requests", f"handling deadline {current.deadline.due_date.isoformat()} has already lapsed")
    if any(r.decision is None for r in case.extension_requests):
        raise case.refuse("extension-requests", "an extension request is already pending")
    request = ExtensionRequest(
        n=len(case.extension_requests) + 1,
        round=current.n,
        unit=current.lead_unit,
        working_days=working_days,
        reason=reason,
        at=now,
    )
    case.trigger(ExtensionRequested, now=now, actor=actor, request=request)
    return request


def decide_extension(
    case: Case, number: int, *, approved: bool, reason: str, calendar: WorkingCalendar, now: datetime, actor: Actor
) -> None:
    """Approve (moving the due date past the current one) or refuse; a late approval never undoes a lapse."""
    prepare(case, "extension-decision", now=now)
    request = case.undecided(case.extension_requests, number, "extension-decision", "extension request")
    handling_round = case.rounds[request.round - 1]
    deadline = None
    if approved and request.round == case.round_number and handling_round.reply is None:
        rule = (
            f"{handling_round.deadline.rule}; extended by {request.working_days} working days "
            f"(extension request {number} approved on {local_date(now).isoformat()})"
        )
        deadline = extended(handling_round.deadline, request.working_days, calendar, rule)
    case.trigger(
        ExtensionDecided,
        now=now,
        actor=actor,
        n=number,
        decision=case.decision(granted=approved, reason=reason, now=now, actor=actor),
        deadline=deadline,
        decided_before_lapse=handling_round.deadline.lapsed_at is None,
    )


def report_justification(case: Case, *, reason: str, now: datetime, actor: Actor) -> Justification:
    """The lead unit reports a justified reason for the delay (Art. 11(1))."""
    prepare(case, "justifications", now=now)
    case.acting_unit(actor, "justifications", while_replied=True)
    case.require_lead(actor, "justifications")
    current = case.current_round
    if any(j.round == current.n and j.decision is None for j in case.justifications):
        raise case.refuse("justifications", "a justification report is already pending")
    justification = Justification(
        n=len(case.justifications) + 1,
        round=current.n,
        unit=current.lead_unit,
        reason=reason,
        at=now,
        version=case.version + 1,
    )
    case.trigger(JustificationReported, now=now, actor=actor, justification=justification)
    return justification


def decide_justification(case: Case, number: int, *, accepted: bool, reason: str, now: datetime, actor: Actor) -> None:
    """The center accepts or rejects a justification report."""
    prepare(case, "justification-decision", now=now)
    case.undecided(case.justifications, number, "justification-decision", "justification")
    decision = case.decision(granted=accepted, reason=reason, now=now, actor=actor)
    case.trigger(JustificationDecided, now=now, actor=actor, n=number, decision=decision)


def recompute_deadlines(case: Case, calendar: WorkingCalendar, *, now: datetime, actor: Actor) -> bool:
    """Recount, with a new calendar, the deadlines that have not lapsed; True if any moved."""
    record_due_facts(case, until=now, now=now, actor=TIMEKEEPER)
    if not case.is_with_unit or case.current_round.reply is not None:
        return False
    current = case.current_round
    deadline = None
    if current.deadline.lapsed_at is None:
        candidate = recomputed(current.deadline, calendar)
        if (candidate.due_date, candidate.overdue_mark_date) != (current.deadline.due_date, current.deadline.overdue_mark_date):
            deadline = candidate
    urgings = {}
    for urging in case.urgings:
        if urging.round == current.n and urging.calendar_version is not None and urging.met_at is None and urging.lapsed_at is None:
            due = calendar.add_working_days(local_date(urging.received_at), SUPERVISION_WORKING_DAYS)  # Art. 7(1), 7(2)
            if due != urging.due_date:
                urgings[urging.n] = (due, end_of_day(due))
    if deadline is None and not urgings:
        return False
    case.trigger(DeadlinesRecomputed, now=now, actor=actor, calendar_version=calendar.version, deadline=deadline, urgings=urgings)
    return True
