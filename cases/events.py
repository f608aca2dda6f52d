"""The events of a case, in the past tense. Each ``apply`` only assigns what the event carries.

Derived values (due dates, the rule and calendar version behind them, whether a reply was late)
are computed by the command that records the event and carried in it, so a replay never
recomputes anything and always gives the same state. Values are immutable: ``apply`` puts the
event's value, or a copy of a case value with fields replaced, into the case; it never changes a
value in place, so an event never shares state that a later event could alter.

Topics (``cases.events:<Name>``) are what the log stores: an event class stays here under its
name, and a change of shape is a new ``class_version`` with an upcaster.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar, Literal

from eventsourcing.utils import get_topic

from foundation.aggregate import Aggregate, Created, DomainEvent, replaced
from cases.case import Case
from cases.values import (
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


class CaseEvent(DomainEvent):
    """Base of every event on a case."""


class Accepted(Created, CaseEvent):
    """A citizen's request was accepted and registered (登记) as a case."""

    aggregate_class: ClassVar[type[Aggregate]] = Case

    number: str
    channel: str
    category: str
    summary: str
    content: str
    urgency: Urgency
    requester: Requester
    confidential: bool
    unclear: bool = False
    flags: tuple[Flag, ...]

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
        case.flags = self.flags
        case.accepted_at = self.timestamp
        case.accepted_by = self.actor.staff
        case.status = "accepted"


class SupervisionRequired(CaseEvent):
    """The case must be supervised on an Art. 6 ground (6(1)-6(4) by the system, 6(5) by a person)."""

    ground: SupervisionGround

    def apply(self, case: Case) -> None:
        case.grounds = (*case.grounds, self.ground)


def _rename_round(state: dict[str, Any]) -> None:
    state["handling_round"] = state.pop("round")


class Dispatched(CaseEvent):
    """Handed to a lead unit and co-units, with the handling deadline (and response deadline)."""

    class_version: ClassVar[int] = 2
    handling_round: HandlingRound

    upcast_v1_v2 = staticmethod(_rename_round)

    def apply(self, case: Case) -> None:
        case.rounds = (*case.rounds, self.handling_round)
        case.units_ever = tuple(dict.fromkeys((*case.units_ever, *self.handling_round.units)))
        case.status = "dispatched"


class Signed(CaseEvent):
    """A unit on the case acknowledged receipt (签收)."""

    signature: Signature
    lead: bool

    def apply(self, case: Case) -> None:
        current = case.current_round
        case.replace_round(current.model_copy(update={"signatures": (*current.signatures, self.signature)}))
        if self.lead and case.status == "dispatched":
            case.status = "signed"


class DispatchReturned(CaseEvent):
    """The lead unit sent the case back to the center as not its business (退回)."""

    dispatch_return: DispatchReturn

    def apply(self, case: Case) -> None:
        case.returns = (*case.returns, self.dispatch_return)
        case.status = "accepted"


class ReturnDecided(CaseEvent):
    """The center ruled on a return: accepted (re-dispatch) or rejected (back to the unit, 推诿)."""

    n: int
    decision: Decision
    status: Status

    def apply(self, case: Case) -> None:
        returned = case.returns[self.n - 1]
        case.returns = replaced(case.returns, self.n - 1, returned.model_copy(update={"decision": self.decision}))
        if self.decision.granted:
            case.replace_round(case.current_round.model_copy(update={"returned": True}))
        case.status = self.status


class Responded(CaseEvent):
    """The first response to an emergency case (Art. 11(3))."""

    unit: str
    note: str

    def apply(self, case: Case) -> None:
        current = case.current_round
        response = current.response
        if response is not None and response.responded_at is None:
            answered = response.model_copy(update={"responded_at": self.timestamp, "responded_by": self.unit})
            case.replace_round(current.model_copy(update={"response": answered}))


class ExtensionRequested(CaseEvent):
    request: ExtensionRequest

    def apply(self, case: Case) -> None:
        case.extension_requests = (*case.extension_requests, self.request)


class ExtensionDecided(CaseEvent):
    """The center's decision on an extension.

    An approval before the lapse moves the due date (and everything counted from it). An approval
    after the lapse gives the unit a new due date for its work (``deadline.due_date``) but leaves what
    the lapse established alone: the lapse, the lapsed due date and the Art. 11(1) mark counted from
    it. Events recorded before this reading was enforced carried a deadline without the mark; they
    are read the same way, so a history replays to what the measures say.
    """

    n: int
    decision: Decision
    deadline: HandlingDeadline | None
    decided_before_lapse: bool

    def apply(self, case: Case) -> None:
        request = case.extension_requests[self.n - 1]
        update: dict[str, Any] = {"decision": self.decision, "decided_before_lapse": self.decided_before_lapse}
        if self.deadline is not None:
            current = case.current_round
            deadline = self.deadline
            if current.deadline.lapsed_at is not None:
                deadline = current.deadline.model_copy(
                    update={k: getattr(self.deadline, k) for k in ("working_days", "due_date", "lapses_at", "rule")}
                )
            update |= {"due_date_before": current.deadline.due_date, "due_date_after": deadline.due_date}
            case.replace_round(current.model_copy(update={"deadline": deadline}))
        case.extension_requests = replaced(case.extension_requests, self.n - 1, request.model_copy(update=update))


class JustificationReported(CaseEvent):
    justification: Justification

    def apply(self, case: Case) -> None:
        case.justifications = (*case.justifications, self.justification)


class JustificationDecided(CaseEvent):
    n: int
    decision: Decision

    def apply(self, case: Case) -> None:
        justification = case.justifications[self.n - 1].model_copy(update={"decision": self.decision})
        case.justifications = replaced(case.justifications, self.n - 1, justification)


class Urged(CaseEvent):
    """A supervision act of Art. 7, with its own deadline to finish the case."""

    urging: Urging

    def apply(self, case: Case) -> None:
        case.urgings = (*case.urgings, self.urging)


class RectificationProposed(CaseEvent):
    rectification: Rectification

    def apply(self, case: Case) -> None:
        case.rectifications = (*case.rectifications, self.rectification)


class RectificationRefused(CaseEvent):
    n: int
    note: str

    def apply(self, case: Case) -> None:
        refused = case.rectifications[self.n - 1].model_copy(
            update={"refused_at": self.timestamp, "refusal_note": self.note, "refusal_version": self.originator_version}
        )
        case.rectifications = replaced(case.rectifications, self.n - 1, refused)


class Escalated(CaseEvent):
    escalation: Escalation

    def apply(self, case: Case) -> None:
        case.escalations = (*case.escalations, self.escalation)


class TrackingOrdered(CaseEvent):
    tracking: CityTracking

    def apply(self, case: Case) -> None:
        case.city_tracking = self.tracking


class ContributionRecorded(CaseEvent):
    contribution: Contribution

    def apply(self, case: Case) -> None:
        case.contributions = (*case.contributions, self.contribution)


class CooperationIssueRecorded(CaseEvent):
    issue: CooperationIssue

    def apply(self, case: Case) -> None:
        case.cooperation_issues = (*case.cooperation_issues, self.issue)


class SupervisionMet(CaseEvent):
    """Urgings finished in time by this event (the lead unit's reply, or a co-unit's contribution)."""

    urgings: tuple[int, ...]

    def apply(self, case: Case) -> None:
        met = set(self.urgings)
        case.urgings = tuple(u.model_copy(update={"met_at": self.timestamp}) if u.n in met else u for u in case.urgings)


class Replied(CaseEvent):
    """The lead unit's reply: it ends the handling round."""

    reply: Reply
    late: bool

    def apply(self, case: Case) -> None:
        case.replace_round(case.current_round.model_copy(update={"reply": self.reply}))
        case.status = "replied"


class Revisited(CaseEvent):
    revisit: Revisit

    def apply(self, case: Case) -> None:
        case.revisits = (*case.revisits, self.revisit)


class RedoOrdered(CaseEvent):
    """Returned for redo (发回重办): a new handling round with a new deadline."""

    class_version: ClassVar[int] = 2
    reason: str
    handling_round: HandlingRound

    upcast_v1_v2 = staticmethod(_rename_round)

    def apply(self, case: Case) -> None:
        case.rounds = (*case.rounds, self.handling_round)
        case.status = "redo"


class RedoAttributed(CaseEvent):
    attribution: RedoAttribution

    def apply(self, case: Case) -> None:
        case.redo_attributions = (*case.redo_attributions, self.attribution)


class Closed(CaseEvent):
    def apply(self, case: Case) -> None:
        case.status = "closed"
        case.closed_at = self.timestamp


class SuperiorNotified(CaseEvent):
    feedback: SuperiorFeedback

    def apply(self, case: Case) -> None:
        case.superior_feedback = (*case.superior_feedback, self.feedback)


# Time-triggered facts: recorded at the instant they became true (``at``).


class HandlingDeadlineLapsed(CaseEvent):
    """The handling deadline of ``round`` passed (24:00 of its due date) before the lead unit replied."""

    round: int
    unit: str
    due_date: date
    at: datetime

    def apply(self, case: Case) -> None:
        handling_round = case.rounds[self.round - 1]
        lapsed = handling_round.deadline.model_copy(
            update={"lapsed_at": self.at, "lapse_version": self.originator_version, "lapsed_due_date": self.due_date}
        )
        case.replace_round(handling_round.model_copy(update={"deadline": lapsed}))


class OverdueMarkPassed(CaseEvent):
    """The end of the 10th working day past the handling deadline passed unreplied (Art. 11(1))."""

    round: int
    unit: str
    mark_date: date
    at: datetime

    def apply(self, case: Case) -> None:
        handling_round = case.rounds[self.round - 1]
        if handling_round.deadline.mark_passed_at is not None:
            return  # recorded once; a second one (written before late extensions kept the mark) repeats it
        marked = handling_round.deadline.model_copy(update={"mark_passed_at": self.at, "mark_version": self.originator_version})
        case.replace_round(handling_round.model_copy(update={"deadline": marked}))


class SupervisionDeadlineLapsed(CaseEvent):
    """An Art. 7 supervision deadline passed unmet (the fact Art. 11(8) rests on)."""

    n: int
    unit: str
    due_date: date
    at: datetime

    def apply(self, case: Case) -> None:
        lapsed = case.urgings[self.n - 1].model_copy(update={"lapsed_at": self.at, "lapse_version": self.originator_version})
        case.urgings = replaced(case.urgings, self.n - 1, lapsed)


class ResponseDeadlineLapsed(CaseEvent):
    """The emergency response deadline passed without a response (Art. 11(3))."""

    round: int
    unit: str
    due_at: datetime
    at: datetime

    def apply(self, case: Case) -> None:
        handling_round = case.rounds[self.round - 1]
        if handling_round.response is not None:
            lapsed = handling_round.response.model_copy(update={"lapsed_at": self.at, "lapse_version": self.originator_version})
            case.replace_round(handling_round.model_copy(update={"response": lapsed}))


class DeadlinesRecomputed(CaseEvent):
    """A calendar amendment moved deadlines that had not lapsed yet."""

    calendar_version: int
    deadline: HandlingDeadline | None = None
    urgings: dict[int, tuple[date, datetime]] = {}
    reason: Literal["calendar_amended"] = "calendar_amended"

    def apply(self, case: Case) -> None:
        if self.deadline is not None:
            case.replace_round(case.current_round.model_copy(update={"deadline": self.deadline}))
        moved = self.urgings
        case.urgings = tuple(
            u.model_copy(update={"due_date": moved[u.n][0], "lapses_at": moved[u.n][1], "calendar_version": self.calendar_version})
            if u.n in moved
            else u
            for u in case.urgings
        )


def case_event_classes() -> tuple[type[CaseEvent], ...]:
    """Every concrete event class of a case."""
    found, pending = [], list(CaseEvent.__subclasses__())
    while pending:
        cls = pending.pop()
        found.append(cls)
        pending.extend(cls.__subclasses__())
    return tuple(sorted(set(found), key=lambda cls: cls.__name__))


def case_topics() -> tuple[str, ...]:
    """The topics of every case event, for reading the log filtered to cases."""
    return tuple(sorted(get_topic(cls) for cls in case_event_classes()))
