"""The events of a case, in the past tense. Each ``apply`` only assigns what the event carries.

Derived values (due dates, the rule and calendar version behind them, whether a reply was late)
are computed by the command that records the event and carried in it, so a replay never
recomputes anything and always gives the same state.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Literal

from cases.aggregate import Created, DomainEvent
from cases.model import (
    CityTracking,
    Contribution,
    CooperationIssue,
    Decision,
    DispatchReturn,
    Escalation,
    ExtensionRequest,
    Flag,
    HandlingDeadline,
    HandlingRound,
    Justification,
    Rectification,
    RedoAttribution,
    Reply,
    Requester,
    Revisit,
    Signature,
    Status,
    SuperiorFeedback,
    SupervisionGround,
    Urgency,
    Urging,
)

if TYPE_CHECKING:
    from cases.case import Case


class CaseEvent(DomainEvent):
    """Base of every event on a case."""


class Accepted(Created, CaseEvent):
    """A citizen's request was accepted and registered (登记) as a case."""

    number: str
    channel: str
    category: str
    summary: str
    content: str
    urgency: Urgency
    requester: Requester
    confidential: bool
    unclear: bool = False
    flags: list[Flag]

    def apply(self, case: Case) -> None:
        case.number = self.number
        case.channel = self.channel
        case.category = self.category
        case.summary = self.summary
        case.content = self.content
        case.urgency = self.urgency
        case.requester = self.requester
        case.confidential = self.confidential
        case.unclear = self.unclear
        case.flags = list(self.flags)
        case.accepted_at = self.timestamp
        case.accepted_by = self.actor.staff
        case.status = "accepted"
        case.rounds = []
        case.units_ever = []
        case.returns = []
        case.extension_requests = []
        case.justifications = []
        case.urgings = []
        case.grounds = []
        case.revisits = []
        case.redo_attributions = []
        case.contributions = []
        case.rectifications = []
        case.escalations = []
        case.city_tracking = None
        case.cooperation_issues = []
        case.superior_feedback = []
        case.closed_at = None


class SupervisionRequired(CaseEvent):
    """The case must be supervised on an Art. 6 ground (6(1)-6(4) by the system, 6(5) by a person)."""

    ground: SupervisionGround

    def apply(self, case: Case) -> None:
        case.grounds.append(self.ground)


class Dispatched(CaseEvent):
    """Handed to a lead unit and co-units, with the handling deadline (and response deadline)."""

    round: HandlingRound

    def apply(self, case: Case) -> None:
        case.rounds.append(self.round)
        for unit in self.round.units:
            if unit not in case.units_ever:
                case.units_ever.append(unit)
        case.status = "dispatched"


class Signed(CaseEvent):
    """A unit on the case acknowledged receipt (签收)."""

    signature: Signature
    lead: bool

    def apply(self, case: Case) -> None:
        case.current_round.signatures.append(self.signature)
        if self.lead and case.status == "dispatched":
            case.status = "signed"


class DispatchReturned(CaseEvent):
    """The lead unit sent the case back to the center as not its business (退回)."""

    dispatch_return: DispatchReturn

    def apply(self, case: Case) -> None:
        case.returns.append(self.dispatch_return)
        case.status = "accepted"


class ReturnDecided(CaseEvent):
    """The center ruled on a return: accepted (re-dispatch) or rejected (back to the unit, 推诿)."""

    n: int
    decision: Decision
    status: Status

    def apply(self, case: Case) -> None:
        case.returns[self.n - 1].decision = self.decision
        if self.decision.granted:
            case.current_round.returned = True
        case.status = self.status


class Responded(CaseEvent):
    """The first response to an emergency case (Art. 11(3))."""

    unit: str
    note: str

    def apply(self, case: Case) -> None:
        response = case.current_round.response
        if response is not None and response.responded_at is None:
            response.responded_at = self.timestamp
            response.responded_by = self.unit


class ExtensionRequested(CaseEvent):
    request: ExtensionRequest

    def apply(self, case: Case) -> None:
        case.extension_requests.append(self.request)


class ExtensionDecided(CaseEvent):
    """The center's decision on an extension; an approval moves the due date (never undoes a lapse)."""

    n: int
    decision: Decision
    deadline: HandlingDeadline | None
    decided_before_lapse: bool

    def apply(self, case: Case) -> None:
        request = case.extension_requests[self.n - 1]
        request.decision = self.decision
        request.decided_before_lapse = self.decided_before_lapse
        if self.deadline is not None:
            request.due_date_before = case.current_round.deadline.due_date
            request.due_date_after = self.deadline.due_date
            case.current_round.deadline = self.deadline


class JustificationReported(CaseEvent):
    justification: Justification

    def apply(self, case: Case) -> None:
        case.justifications.append(self.justification)


class JustificationDecided(CaseEvent):
    n: int
    decision: Decision

    def apply(self, case: Case) -> None:
        case.justifications[self.n - 1].decision = self.decision


class Urged(CaseEvent):
    """A supervision act of Art. 7, with its own deadline to finish the case."""

    urging: Urging

    def apply(self, case: Case) -> None:
        case.urgings.append(self.urging)


class RectificationProposed(CaseEvent):
    rectification: Rectification

    def apply(self, case: Case) -> None:
        case.rectifications.append(self.rectification)


class RectificationRefused(CaseEvent):
    n: int
    note: str

    def apply(self, case: Case) -> None:
        proposal = case.rectifications[self.n - 1]
        proposal.refused_at = self.timestamp
        proposal.refusal_note = self.note
        proposal.refusal_version = self.originator_version


class Escalated(CaseEvent):
    escalation: Escalation

    def apply(self, case: Case) -> None:
        case.escalations.append(self.escalation)


class TrackingOrdered(CaseEvent):
    tracking: CityTracking

    def apply(self, case: Case) -> None:
        case.city_tracking = self.tracking


class ContributionRecorded(CaseEvent):
    contribution: Contribution

    def apply(self, case: Case) -> None:
        case.contributions.append(self.contribution)


class CooperationIssueRecorded(CaseEvent):
    issue: CooperationIssue

    def apply(self, case: Case) -> None:
        case.cooperation_issues.append(self.issue)


class SupervisionMet(CaseEvent):
    """Urgings finished in time by this event (the lead unit's reply, or a co-unit's contribution)."""

    urgings: list[int]

    def apply(self, case: Case) -> None:
        for n in self.urgings:
            case.urgings[n - 1].met_at = self.timestamp


class Replied(CaseEvent):
    """The lead unit's reply: it ends the handling round."""

    reply: Reply
    late: bool

    def apply(self, case: Case) -> None:
        case.current_round.reply = self.reply
        case.status = "replied"


class Revisited(CaseEvent):
    revisit: Revisit

    def apply(self, case: Case) -> None:
        case.revisits.append(self.revisit)


class RedoOrdered(CaseEvent):
    """Returned for redo (发回重办): a new handling round with a new deadline."""

    reason: str
    round: HandlingRound

    def apply(self, case: Case) -> None:
        case.rounds.append(self.round)
        case.status = "redo"


class RedoAttributed(CaseEvent):
    attribution: RedoAttribution

    def apply(self, case: Case) -> None:
        case.redo_attributions.append(self.attribution)


class Closed(CaseEvent):
    def apply(self, case: Case) -> None:
        case.status = "closed"
        case.closed_at = self.timestamp


class SuperiorNotified(CaseEvent):
    feedback: SuperiorFeedback

    def apply(self, case: Case) -> None:
        case.superior_feedback.append(self.feedback)


# Time-triggered facts: recorded by the timekeeper at the instant they became true (``at``).


class HandlingDeadlineLapsed(CaseEvent):
    """The handling deadline of ``round`` passed (24:00 of its due date) before the lead unit replied."""

    round: int
    unit: str
    due_date: date
    at: datetime

    def apply(self, case: Case) -> None:
        deadline = case.rounds[self.round - 1].deadline
        deadline.lapsed_at = self.at
        deadline.lapse_version = self.originator_version
        deadline.lapsed_due_date = self.due_date


class OverdueMarkPassed(CaseEvent):
    """The end of the 10th working day past the handling deadline passed unreplied (Art. 11(1))."""

    round: int
    unit: str
    mark_date: date
    at: datetime

    def apply(self, case: Case) -> None:
        deadline = case.rounds[self.round - 1].deadline
        deadline.mark_passed_at = self.at
        deadline.mark_version = self.originator_version


class SupervisionDeadlineLapsed(CaseEvent):
    """An Art. 7 supervision deadline passed unmet (the fact Art. 11(8) rests on)."""

    n: int
    unit: str
    due_date: date
    at: datetime

    def apply(self, case: Case) -> None:
        urging = case.urgings[self.n - 1]
        urging.lapsed_at = self.at
        urging.lapse_version = self.originator_version


class ResponseDeadlineLapsed(CaseEvent):
    """The emergency response deadline passed without a response (Art. 11(3))."""

    round: int
    unit: str
    due_at: datetime
    at: datetime

    def apply(self, case: Case) -> None:
        response = case.rounds[self.round - 1].response
        if response is not None:
            response.lapsed_at = self.at
            response.lapse_version = self.originator_version


class DeadlinesRecomputed(CaseEvent):
    """A calendar amendment moved deadlines that had not lapsed yet."""

    calendar_version: int
    deadline: HandlingDeadline | None = None
    urgings: dict[int, tuple[date, datetime]] = {}
    reason: Literal["calendar_amended"] = "calendar_amended"

    def apply(self, case: Case) -> None:
        if self.deadline is not None:
            case.current_round.deadline = self.deadline
        for n, (due_date, lapses_at) in self.urgings.items():
            urging = case.urgings[n - 1]
            urging.due_date = due_date
            urging.lapses_at = lapses_at
            urging.calendar_version = self.calendar_version

