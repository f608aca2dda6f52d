"""Supervision (督办, Art. 6-7): urgings and their deadlines, 6(5) by hand, joint-case cooperation.

Art. 7 methods and their deadlines to finish (办结) the case:

====================  =======  ===================================================
method                article  deadline
====================  =======  ===================================================
sms, phone, wechat    7(1)     2 working days after receipt
written_letter        7(2)     2 working days after receipt of the notice
onsite_coordination   7(3)     the date agreed on the signed confirmation sheet
leader_dispatch       7(4)     the date the city leader set (also makes it a 6(1) case)
====================  =======  ===================================================

An urging is finished (met) by the lead unit's reply in its round, or, for an urging addressed to
a co-unit, by that co-unit's contribution.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Literal, get_args

from foundation.actors import Actor
from foundation.errors import FieldError, Forbidden, InvalidInput
from cases.calendar import WorkingCalendar, end_of_day, local_date
from cases.case import Case
from cases.deadlines import supervision_due
from cases.events import ContributionRecorded, CooperationIssueRecorded, SupervisionMet, Urged
from cases.grounds import require_supervision
from cases.timefacts import prepare
from cases.units import UnitRegistry
from cases.values import Contribution, CooperationIssue, SignedShare, Urging

Method = Literal["sms", "phone", "wechat", "written_letter", "onsite_coordination", "leader_dispatch"]
METHODS: tuple[str, ...] = get_args(Method)
METHOD_ARTICLE: dict[str, str] = {
    "sms": "7(1)",
    "phone": "7(1)",
    "wechat": "7(1)",
    "written_letter": "7(2)",
    "onsite_coordination": "7(3)",
    "leader_dispatch": "7(4)",
}
COMPUTED_DUE: frozenset[str] = frozenset({"sms", "phone", "wechat", "written_letter"})
MAX_AHEAD_DAYS = 366
MAX_RECEIPT_DELAY_DAYS = 30


def supervise(case: Case, ground: str, reason: str, *, now: datetime, actor: Actor) -> None:
    """Art. 6(5): a person puts the case under supervision for another reason."""
    prepare(case, "supervision", now=now)
    if ground != "6(5)":
        raise InvalidInput("ground", "only 6(5) is recorded by hand; 6(1)-6(4) are recorded by the system")
    if not reason.strip():
        raise InvalidInput("reason", "a reason is required for Art. 6(5)")
    if case.has_ground("6(5)", case.round_number):
        raise case.refuse("supervision", "case is already supervised on 6(5) in this round")
    require_supervision(case, "6(5)", reason, now=now, actor=actor)


def urge(
    case: Case,
    *,
    method: str,
    unit: str,
    note: str,
    due_date: date | None,
    signed_by: Sequence[SignedShare],
    instruction: str | None,
    leader: str | None,
    addressee: str | None,
    received_at: datetime | None,
    registry: UnitRegistry,
    calendar: WorkingCalendar,
    now: datetime,
    actor: Actor,
) -> Urging:
    """Supervise by an Art. 7 method; the urging carries its own deadline to finish the case."""
    prepare(case, "urgings", now=now)
    errors = _urging_errors(case, method, unit, due_date, signed_by, instruction, received_at, registry, now)
    if errors:
        raise InvalidInput(errors=errors)
    receipt = received_at or now
    due, provisional, calendar_version, rule = _urging_deadline(method, receipt, due_date, calendar)
    leader_staff = registry.responsible_leader(unit)
    urging = Urging(
        n=len(case.urgings) + 1,
        round=case.current_round.n,
        method=method,
        article=METHOD_ARTICLE[method],
        unit=unit,
        addressee=addressee or (leader_staff.id if leader_staff else None),
        note=note,
        at=now,
        received_at=receipt,
        due_date=due,
        lapses_at=end_of_day(due),
        rule=rule,
        calendar_version=calendar_version,
        provisional=provisional,
        signed_by=tuple(signed_by),
        instruction=instruction,
        leader=leader,
        by=actor.staff,
        version=case.version + 1,
    )
    case.trigger(Urged, now=now, actor=actor, urging=urging)
    if method == "leader_dispatch":
        require_supervision(case, "6(1)", f"leader dispatch: {instruction}", now=now, actor=actor)
    return urging


def _urging_deadline(
    method: str, receipt: datetime, due_date: date | None, calendar: WorkingCalendar
) -> tuple[date, bool, int | None, str]:
    """The due date, whether it is provisional, the calendar version behind it, and the rule (with its article)."""
    if method in COMPUTED_DUE:
        due, provisional = supervision_due(receipt, calendar)
        rule = f"Art. {METHOD_ARTICLE[method]}: finish within 2 working days of receipt on {local_date(receipt).isoformat()}"
        return due, provisional, calendar.version, rule
    if due_date is None:
        raise InvalidInput("due_date", f"required for {method}")
    if method == "onsite_coordination":
        return due_date, False, None, "Art. 7(3): by the date agreed on the on-site coordination confirmation sheet"
    return due_date, False, None, "Art. 7(4): by the date the city leader set"


def _urging_errors(
    case: Case,
    method: str,
    unit: str,
    due_date: date | None,
    signed_by: Sequence[SignedShare],
    instruction: str | None,
    received_at: datetime | None,
    registry: UnitRegistry,
    now: datetime,
) -> list[FieldError]:
    if method not in METHODS:
        return [FieldError("method", f"unknown method; allowed: {', '.join(METHODS)}")]
    errors: list[FieldError] = []
    current = case.current_round
    if unit not in current.units:
        errors.append(FieldError("unit", f"'{unit}' is not on the case; units now: {', '.join(current.units)}"))
    errors += _due_date_errors(method, due_date, local_date(now))
    if method == "onsite_coordination":
        errors += _sheet_errors(unit, signed_by, registry)
    elif signed_by:
        errors.append(FieldError("signed_by", "only an on-site coordination has a confirmation sheet"))
    if method == "leader_dispatch" and not (instruction or "").strip():
        errors.append(FieldError("instruction", "the city leader's instruction is required for a leader dispatch"))
    if received_at is not None and received_at < now:
        errors.append(FieldError("received_at", "receipt cannot be earlier than the instant the center records it"))
    if received_at is not None and received_at > now + timedelta(days=MAX_RECEIPT_DELAY_DAYS):
        errors.append(FieldError("received_at", f"more than {MAX_RECEIPT_DELAY_DAYS} days after the center records it"))
    return errors


def _due_date_errors(method: str, due_date: date | None, today: date) -> list[FieldError]:
    if method in COMPUTED_DUE:
        if due_date is not None:
            return [FieldError("due_date", f"computed for {method} (2 working days after receipt); do not send it")]
        return []
    if due_date is None:
        return [FieldError("due_date", f"required for {method}")]
    if due_date < today:
        return [FieldError("due_date", f"{due_date.isoformat()} is already past")]
    if due_date > today + timedelta(days=MAX_AHEAD_DAYS):
        return [FieldError("due_date", f"more than {MAX_AHEAD_DAYS} days ahead; a supervision deadline is near")]
    return []


def _sheet_errors(unit: str, signed_by: Sequence[SignedShare], registry: UnitRegistry) -> list[FieldError]:
    """Art. 7(3): the responsible units sign the confirmation sheet, which sets their shares."""
    if not signed_by:
        return [FieldError("signed_by", "the on-site coordination confirmation sheet needs each responsible unit's signature")]
    errors = [
        FieldError(f"signed_by[{i}].unit", f"unknown unit '{share.unit}'")
        for i, share in enumerate(signed_by)
        if share.unit not in registry.units
    ]
    if unit not in {share.unit for share in signed_by}:
        errors.append(FieldError("signed_by", f"the urged unit '{unit}' did not sign the confirmation sheet"))
    return errors


def meet_urgings(case: Case, *, now: datetime, actor: Actor, unit: str | None) -> None:
    """The urgings of the current round finished by this act: all of them (the lead unit's reply) or one unit's."""
    met = tuple(
        u.n
        for u in case.urgings
        if u.round == case.round_number and u.met_at is None and u.lapsed_at is None and (unit is None or u.unit == unit)
    )
    if met:
        case.trigger(SupervisionMet, now=now, actor=actor, urgings=met)


def contribute(case: Case, *, note: str, now: datetime, actor: Actor) -> None:
    """A co-unit's part of a joint case; it finishes the urgings addressed to that co-unit."""
    prepare(case, "contributions", now=now)
    unit = case.acting_unit(actor, "contributions")
    current = case.current_round
    if unit not in current.co_units:
        raise Forbidden("only a co-unit records a contribution; the lead unit replies")
    contribution = Contribution(unit=unit, round=current.n, note=note, at=now)
    case.trigger(ContributionRecorded, now=now, actor=actor, contribution=contribution)
    meet_urgings(case, now=now, actor=actor, unit=unit)


def record_cooperation_issue(case: Case, *, unit: str, note: str, now: datetime, actor: Actor) -> None:
    """Art. 11(4): the lead unit records a co-unit's refusal or non-cooperation."""
    prepare(case, "cooperation-issues", now=now)
    case.require_lead(actor, "cooperation-issues")
    current = case.current_round
    if unit not in current.co_units:
        co_units = ", ".join(current.co_units) or "none"
        raise InvalidInput("unit", f"'{unit}' is not a co-unit of this round; co-units: {co_units}")
    issue = CooperationIssue(n=len(case.cooperation_issues) + 1, round=current.n, unit=unit, note=note, at=now, version=case.version + 1)
    case.trigger(CooperationIssueRecorded, now=now, actor=actor, issue=issue)
