"""Taking supervision up the chain: the Art. 5 chain, and Art. 17 feedback to a superior unit.

Art. 5: a reminder or rectification proposal (整改建议) to an overdue or buck-passing unit, the
unit's refusal (拒不落实), the escalation to the city government, its supervision office's tracking.
Art. 17: a non-member unit's supervision result is reported to its superior unit.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from foundation.actors import Actor
from foundation.errors import InvalidInput, NotFound
from cases.case import Case
from cases.events import Escalated, RectificationProposed, RectificationRefused, SuperiorNotified, TrackingOrdered
from cases.timefacts import prepare
from cases.units import UnitRegistry
from cases.values import CityTracking, Escalation, Rectification, SuperiorFeedback


def propose_rectification(
    case: Case, *, unit: str, proposal: str, kind: Literal["reminder", "rectification"], now: datetime, actor: Actor
) -> Rectification:
    """Art. 5: remind or propose rectification to a unit that is overdue or passed the buck."""
    prepare(case, "rectification-proposals", now=now)
    if not (case.was_overdue(unit) or case.passed_buck(unit)):
        raise InvalidInput("unit", f"'{unit}' is neither overdue nor passed the buck on this case (Art. 5)")
    rectification = Rectification(
        n=len(case.rectifications) + 1,
        round=case.round_number,
        unit=unit,
        kind=kind,
        proposal=proposal,
        at=now,
        version=case.version + 1,
    )
    case.trigger(RectificationProposed, now=now, actor=actor, rectification=rectification)
    return rectification


def refuse_rectification(case: Case, number: int, *, note: str, now: datetime, actor: Actor) -> None:
    """Art. 5: the unit refused to act on the proposal (拒不落实)."""
    prepare(case, "rectification-refusal", now=now)
    if not 1 <= number <= len(case.rectifications):
        raise NotFound("rectification proposal", number)
    if case.rectifications[number - 1].refused_at is not None:
        raise case.refuse("rectification-refusal", f"proposal {number} is already refused")
    case.trigger(RectificationRefused, now=now, actor=actor, n=number, note=note)


def escalate(case: Case, *, reason: str, now: datetime, actor: Actor) -> Escalation:
    """Art. 5: report a refused proposal to the city government."""
    prepare(case, "escalations", now=now)
    escalated = {e.rectification for e in case.escalations}
    refused = [r for r in case.rectifications if r.refused_at is not None and r.n not in escalated]
    if not refused:
        raise case.refuse("escalations", "case has no refused rectification proposal to report")
    escalation = Escalation(
        n=len(case.escalations) + 1,
        rectification=refused[-1].n,
        unit=refused[-1].unit,
        reason=reason,
        at=now,
        version=case.version + 1,
    )
    case.trigger(Escalated, now=now, actor=actor, escalation=escalation)
    return escalation


def order_tracking(case: Case, *, note: str, now: datetime, actor: Actor) -> None:
    """Art. 5: the city government has its supervision office track the case."""
    prepare(case, "tracking", now=now)
    tracking = CityTracking(note=note, at=now, staff=actor.staff, version=case.version + 1)
    case.trigger(TrackingOrdered, now=now, actor=actor, tracking=tracking)


def notify_superior(case: Case, *, note: str, registry: UnitRegistry, now: datetime, actor: Actor) -> SuperiorFeedback:
    """Art. 17: report the supervision result of a case a non-member unit handled to that unit's superior.

    Any supervised case (on any Art. 6 ground) qualifies: it is the supervision result that goes up.
    """
    prepare(case, "superior-feedback", now=now, why="only a supervised case has a supervision result to report")
    non_members = case.handled_by_non_member({u.id: u.kind for u in registry.units.values()})
    if not non_members:
        raise case.refuse("superior-feedback", "case was not handled by a non-member unit")
    unit = registry.units[non_members[-1]]
    if unit.superior_id is None:
        raise InvalidInput("unit", f"no superior unit is recorded for '{unit.id}' (Art. 17)")
    feedback = SuperiorFeedback(
        n=len(case.superior_feedback) + 1,
        unit=unit.id,
        superior=unit.superior_id,
        note=note,
        at=now,
        version=case.version + 1,
    )
    case.trigger(SuperiorNotified, now=now, actor=actor, feedback=feedback)
    return feedback
