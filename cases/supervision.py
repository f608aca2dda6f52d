"""Supervision (督办, Art. 5-7 and 17): urgings and their deadlines, grounds, the escalation chain.

Art. 7 methods and their deadlines to finish (办结) the case:

====================  =======  ===================================================
method                article  deadline
====================  =======  ===================================================
sms, phone, wechat    7(1)     2 working days after receipt
written_letter        7(2)     2 working days after receipt of the notice
onsite_coordination   7(3)     the date agreed on the signed confirmation sheet
leader_dispatch       7(4)     the date the city leader set (also makes it a 6(1) case)
====================  =======  ===================================================

Art. 6 grounds: 6(1) leader involvement, 6(2) key/difficult/hot, 6(3) overdue unfinished and
6(4) still unsatisfied after a redo by the unit's fault are recorded by the system as soon as
the facts hold; 6(5) only by a person with a reason.

Art. 5 chain: a reminder or rectification proposal to an overdue or buck-passing unit, the
unit's refusal, the escalation to the city government, its supervision office's tracking.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Literal, get_args

from cases.actors import Actor
from cases.calendar import WorkingCalendar, end_of_day, local_date
from cases.deadlines import supervision_due
from cases.errors import FieldError, Forbidden, InvalidInput, NotAllowedNow, NotFound
from cases.events import (
    CooperationIssueRecorded,
    Escalated,
    RectificationProposed,
    RectificationRefused,
    SuperiorNotified,
    SupervisionRequired,
    TrackingOrdered,
    Urged,
)
from cases.model import (
    CityTracking,
    CooperationIssue,
    Escalation,
    Rectification,
    SignedShare,
    SuperiorFeedback,
    SupervisionGround,
    Urging,
)
from cases.units import UnitRegistry

if TYPE_CHECKING:
    from cases.case import Case

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

GROUND_TEXT: dict[str, str] = {
    "6(1)": "dispatched, instructed, assigned or answered by a city leader",
    "6(2)": "a key, difficult or hot issue raised by the public",
    "6(3)": "overdue and not finished",
    "6(4)": "still unsatisfied after a redo, by the handling unit's fault",
    "6(5)": "other need for supervision",
}
MAX_AHEAD_DAYS = 366
MAX_RECEIPT_DELAY_DAYS = 30
FLAG_GROUND: dict[str, str] = {"leader_involved": "6(1)", "key": "6(2)", "difficult": "6(2)", "hot": "6(2)"}


class Supervision:
    """The supervision commands of a case (mixed into ``Case``)."""

    def has_ground(self: Case, ground: str, round_: int | None = None) -> bool:
        return any(g.ground == ground and (round_ is None or g.round == round_) for g in self.grounds)

    def require_supervision(self: Case, ground: str, reason: str, *, now: datetime, actor: Actor) -> None:
        """Record an Art. 6 ground (once per ground and round)."""
        round_ = self.round
        if self.has_ground(ground, round_):
            return
        self.trigger(
            SupervisionRequired,
            now=now,
            actor=actor,
            ground=SupervisionGround(
                ground=ground,
                article=ground,
                reason=reason or GROUND_TEXT[ground],
                round=round_,
                at=now,
                by=actor.staff,
                version=self.version + 1,
            ),
        )

    def supervise(self: Case, ground: str, reason: str, *, now: datetime, actor: Actor) -> None:
        """Art. 6(5): a person puts the case under supervision for another reason."""
        self.prepare("supervision", now=now)
        if ground != "6(5)":
            raise InvalidInput("ground", "only 6(5) is recorded by hand; 6(1)-6(4) are recorded by the system")
        if not reason.strip():
            raise InvalidInput("reason", "a reason is required for Art. 6(5)")
        if self.has_ground("6(5)", self.round):
            raise NotAllowedNow("supervision", "case is already supervised on 6(5) in this round", self.allowed_actions())
        self.require_supervision("6(5)", reason, now=now, actor=actor)

    def urge(
        self: Case,
        *,
        method: str,
        unit: str,
        note: str,
        due_date: date | None,
        signed_by: list[SignedShare],
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
        self.prepare("urgings", now=now)
        current = self.current_round
        errors = self._urging_errors(method, unit, due_date, signed_by, instruction, received_at, registry, now)
        if errors:
            raise InvalidInput(errors=errors)
        receipt = received_at or now
        if method in COMPUTED_DUE:
            due, provisional = supervision_due(receipt, calendar)
            rule = (
                f"Art. {METHOD_ARTICLE[method]}: finish within 2 working days of receipt on "
                f"{local_date(receipt).isoformat()}"
            )
            calendar_version: int | None = calendar.version
        else:
            assert due_date is not None
            due, provisional, calendar_version = due_date, False, None
            rule = (
                "Art. 7(3): by the date agreed on the on-site coordination confirmation sheet"
                if method == "onsite_coordination"
                else "Art. 7(4): by the date the city leader set"
            )
        leader_staff = registry.responsible_leader(unit)
        urging = Urging(
            n=len(self.urgings) + 1,
            round=current.n,
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
            signed_by=signed_by,
            instruction=instruction,
            leader=leader,
            by=actor.staff,
            version=self.version + 1,
        )
        self.trigger(Urged, now=now, actor=actor, urging=urging)
        if method == "leader_dispatch":
            self.require_supervision("6(1)", f"leader dispatch: {instruction}", now=now, actor=actor)
        return urging

    def _urging_errors(
        self: Case,
        method: str,
        unit: str,
        due_date: date | None,
        signed_by: list[SignedShare],
        instruction: str | None,
        received_at: datetime | None,
        registry: UnitRegistry,
        now: datetime,
    ) -> list[FieldError]:
        errors: list[FieldError] = []
        current = self.current_round
        if method not in METHODS:
            errors.append(FieldError("method", f"unknown method; allowed: {', '.join(METHODS)}"))
            return errors
        if unit not in current.units:
            errors.append(FieldError("unit", f"'{unit}' is not on the case; units now: {', '.join(current.units)}"))
        today = local_date(now)
        if method in COMPUTED_DUE:
            if due_date is not None:
                errors.append(FieldError("due_date", f"computed for {method} (2 working days after receipt); do not send it"))
        elif due_date is None:
            errors.append(FieldError("due_date", f"required for {method}"))
        elif due_date < today:
            errors.append(FieldError("due_date", f"{due_date.isoformat()} is already past"))
        elif due_date > today + timedelta(days=MAX_AHEAD_DAYS):
            errors.append(FieldError("due_date", f"more than {MAX_AHEAD_DAYS} days ahead; a supervision deadline is near"))
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

    def propose_rectification(
        self: Case, *, unit: str, proposal: str, kind: str, now: datetime, actor: Actor
    ) -> Rectification:
        """Art. 5: remind or propose rectification to a unit that is overdue or passed the buck."""
        self.prepare("rectification-proposals", now=now)
        if not (self.was_overdue(unit) or self.passed_buck(unit)):
            raise InvalidInput("unit", f"'{unit}' is neither overdue nor passed the buck on this case (Art. 5)")
        rectification = Rectification(
            n=len(self.rectifications) + 1,
            round=self.round,
            unit=unit,
            kind=kind,  # type: ignore[arg-type]
            proposal=proposal,
            at=now,
            version=self.version + 1,
        )
        self.trigger(RectificationProposed, now=now, actor=actor, rectification=rectification)
        return rectification

    def refuse_rectification(self: Case, n: int, *, note: str, now: datetime, actor: Actor) -> None:
        """Art. 5: the unit refused to act on the proposal (拒不落实)."""
        self.prepare("rectification-refusal", now=now)
        proposal = self._rectification(n)
        if proposal.refused_at is not None:
            raise NotAllowedNow("rectification-refusal", f"proposal {n} is already refused", self.allowed_actions())
        self.trigger(RectificationRefused, now=now, actor=actor, n=n, note=note)

    def escalate(self: Case, *, reason: str, now: datetime, actor: Actor) -> Escalation:
        """Art. 5: report a refused proposal to the city government."""
        self.prepare("escalations", now=now)
        escalated = {e.rectification for e in self.escalations}
        refused = [r for r in self.rectifications if r.refused_at is not None and r.n not in escalated]
        if not refused:
            raise NotAllowedNow(
                "escalations", "case has no refused rectification proposal to report", self.allowed_actions()
            )
        escalation = Escalation(
            n=len(self.escalations) + 1,
            rectification=refused[-1].n,
            unit=refused[-1].unit,
            reason=reason,
            at=now,
            version=self.version + 1,
        )
        self.trigger(Escalated, now=now, actor=actor, escalation=escalation)
        return escalation

    def order_tracking(self: Case, *, note: str, now: datetime, actor: Actor) -> None:
        """Art. 5: the city government has its supervision office track the case."""
        self.prepare("tracking", now=now)
        tracking = CityTracking(note=note, at=now, staff=actor.staff, version=self.version + 1)
        self.trigger(TrackingOrdered, now=now, actor=actor, tracking=tracking)

    def record_cooperation_issue(self: Case, *, unit: str, note: str, now: datetime, actor: Actor) -> None:
        """Art. 11(4): the lead unit records a co-unit's refusal or non-cooperation."""
        self.prepare("cooperation-issues", now=now)
        self.require_lead(actor, "cooperation-issues")
        current = self.current_round
        if unit not in current.co_units:
            co_units = ", ".join(current.co_units) or "none"
            raise InvalidInput("unit", f"'{unit}' is not a co-unit of this round; co-units: {co_units}")
        issue = CooperationIssue(
            n=len(self.cooperation_issues) + 1,
            round=current.n,
            unit=unit,
            note=note,
            at=now,
            version=self.version + 1,
        )
        self.trigger(CooperationIssueRecorded, now=now, actor=actor, issue=issue)

    def notify_superior(self: Case, *, note: str, registry: UnitRegistry, now: datetime, actor: Actor) -> SuperiorFeedback:
        """Art. 17: feed a non-member unit's supervision result back to its superior unit."""
        self.prepare("superior-feedback", now=now)
        handled_by = [registry.units[u] for u in self.lead_units() if u in registry.units]
        non_members = [u for u in handled_by if u.kind == "non_member"]
        if not non_members:
            raise NotAllowedNow("superior-feedback", "case was not handled by a non-member unit", self.allowed_actions())
        unit = non_members[-1]
        if unit.superior_id is None:
            raise InvalidInput("unit", f"no superior unit is recorded for '{unit.id}' (Art. 17)")
        feedback = SuperiorFeedback(
            n=len(self.superior_feedback) + 1,
            unit=unit.id,
            superior=unit.superior_id,
            note=note,
            at=now,
            version=self.version + 1,
        )
        self.trigger(SuperiorNotified, now=now, actor=actor, feedback=feedback)
        return feedback

    def _rectification(self: Case, n: int) -> Rectification:
        if not 1 <= n <= len(self.rectifications):
            raise NotFound("rectification proposal", n)
        return self.rectifications[n - 1]

    def unmet_supervision(self: Case) -> list[Urging]:
        """Supervision demands whose deadline lapsed unmet (what Art. 11(8) rests on)."""
        return [u for u in self.urgings if u.lapsed_at is not None]

    def require_lead(self: Case, actor: Actor, action: str) -> None:
        if actor.unit != self.current_round.lead_unit:
            raise Forbidden(f"only the lead unit ({self.current_round.lead_unit}) may do '{action}'")


def _sheet_errors(unit: str, signed_by: list[SignedShare], registry: UnitRegistry) -> list[FieldError]:
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
