"""Values recorded on a case: what was asked, who handles it, by when, and what happened.

Every value is immutable (``foundation.aggregate.Value``): an event carries it and ``apply``
puts it, or a copy with some fields replaced, into the case. Nothing ever changes a value that
an earlier event still holds.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal, get_args

from foundation.aggregate import Value

Status = Literal["accepted", "dispatched", "signed", "replied", "redo", "closed"]
Urgency = Literal["normal", "urgent", "emergency"]
Flag = Literal["leader_involved", "key", "difficult", "hot"]
FLAGS: tuple[str, ...] = get_args(Flag)
ReplyOutcome = Literal["resolved", "explained", "unresolved"]
Satisfaction = Literal["very_satisfied", "satisfied", "basically_satisfied", "unsatisfied", "very_unsatisfied"]
"""The five-level scale of 国办发〔2019〕51号."""


class Requester(Value):
    """The citizen (诉求人). Personal data: encrypted at rest, masked by role, never logged."""

    name: str
    phone: str
    id_number: str | None = None
    address: str | None = None


class HandlingDeadline(Value):
    """When the lead unit must reply in a handling round, and the rule that set it.

    ``start`` and ``working_days`` are kept so that a calendar amendment can recompute a
    deadline that has not lapsed: N working days after ``start`` (approved extensions add to N).
    """

    start: date
    working_days: int
    due_date: date
    lapses_at: datetime
    rule: str
    calendar_version: int
    provisional: bool
    overdue_mark_date: date
    """The 10th working day past ``due_date``: after it ends, Art. 11(1) can apply."""
    overdue_mark_at: datetime
    lapsed_at: datetime | None = None
    lapse_version: int | None = None
    lapsed_due_date: date | None = None
    """The due date that lapsed (a later, late-approved extension moves ``due_date``, not this)."""
    mark_passed_at: datetime | None = None
    mark_version: int | None = None


class ResponseDeadline(Value):
    """The emergency response deadline (hours, an instant), met by the first response (Art. 11(3))."""

    hours: int
    due_at: datetime
    rule: str
    responded_at: datetime | None = None
    responded_by: str | None = None
    lapsed_at: datetime | None = None
    lapse_version: int | None = None


class Signature(Value):
    unit: str
    at: datetime
    staff: str


class Reply(Value):
    unit: str
    content: str
    outcome: ReplyOutcome
    at: datetime
    staff: str
    version: int


class HandlingRound(Value):
    """One handling round: a dispatch or a redo, until the lead unit replies or the case is returned."""

    n: int
    kind: Literal["dispatch", "redo"]
    lead_unit: str
    co_units: tuple[str, ...]
    started_at: datetime
    version: int = 0
    """The version of the event that started the round (``Dispatched`` or ``RedoOrdered``)."""
    deadline: HandlingDeadline
    response: ResponseDeadline | None = None
    signatures: tuple[Signature, ...] = ()
    reply: Reply | None = None
    returned: bool = False
    lead_is_non_member: bool | None = None
    """Whether the lead unit is a non-member unit (Art. 17); None in rounds recorded before this was kept."""

    @property
    def units(self) -> tuple[str, ...]:
        return (self.lead_unit, *self.co_units)

    def signed_by(self, unit: str) -> bool:
        return any(s.unit == unit for s in self.signatures)


class Decision(Value):
    """A center decision on a unit's request or report."""

    granted: bool
    reason: str
    at: datetime
    staff: str
    version: int


class ExtensionRequest(Value):
    n: int
    round: int
    unit: str
    working_days: int
    reason: str
    at: datetime
    decision: Decision | None = None
    due_date_before: date | None = None
    due_date_after: date | None = None
    decided_before_lapse: bool | None = None


class Justification(Value):
    """A unit's report of a justified reason for delay (Art. 11(1) "报告说明正当理由")."""

    n: int
    round: int
    unit: str
    reason: str
    at: datetime
    version: int
    decision: Decision | None = None


class DispatchReturn(Value):
    """A unit sent the case back as not its business; unjustified returns are buck-passing (推诿, Art. 5)."""

    n: int
    round: int
    unit: str
    reason: str
    at: datetime
    version: int
    previous_status: Status
    staff: str = ""
    decision: Decision | None = None


class Revisit(Value):
    n: int
    round: int
    satisfied: bool
    reply_matches_facts: bool
    note: str
    satisfaction: Satisfaction | None = None
    at: datetime
    staff: str
    version: int


class RedoAttribution(Value):
    """After a redo the requester is still unsatisfied: is it the handling unit's fault (Art. 6(4))?"""

    round: int
    unit: str
    unit_at_fault: bool
    reason: str
    at: datetime
    version: int


class Contribution(Value):
    unit: str
    round: int
    note: str
    at: datetime


class SupervisionGround(Value):
    """Why the case must be supervised (Art. 6), recorded once per ground and round."""

    ground: str
    article: str
    reason: str
    round: int
    at: datetime
    by: str
    version: int


class SignedShare(Value):
    """A responsible unit's signature on an on-site coordination sheet, with its share of the work."""

    unit: str
    share: str = ""


class Urging(Value):
    """A supervision act of Art. 7 and its own deadline to finish the case."""

    n: int
    round: int
    method: str
    article: str
    unit: str
    addressee: str | None
    note: str
    at: datetime
    received_at: datetime
    due_date: date
    lapses_at: datetime
    rule: str
    calendar_version: int | None
    provisional: bool
    signed_by: tuple[SignedShare, ...] = ()
    instruction: str | None = None
    leader: str | None = None
    by: str
    version: int
    met_at: datetime | None = None
    lapsed_at: datetime | None = None
    lapse_version: int | None = None


class Rectification(Value):
    """A reminder or rectification proposal to an overdue or buck-passing unit (Art. 5)."""

    n: int
    round: int
    unit: str
    kind: Literal["reminder", "rectification"]
    proposal: str
    at: datetime
    version: int
    refused_at: datetime | None = None
    refusal_note: str | None = None
    refusal_version: int | None = None


class Escalation(Value):
    """The center's report to the city government after a refusal (Art. 5)."""

    n: int
    rectification: int
    unit: str
    reason: str
    at: datetime
    version: int


class CityTracking(Value):
    """The city government's decision to have its supervision office track the case (Art. 5)."""

    note: str
    at: datetime
    staff: str
    version: int


class CooperationIssue(Value):
    """The lead unit's record of a co-unit's refusal or non-cooperation (Art. 11(4))."""

    n: int
    round: int
    unit: str
    note: str
    at: datetime
    version: int


class SuperiorFeedback(Value):
    """The center's feedback on a non-member unit's supervision result to its superior (Art. 17)."""

    n: int
    unit: str
    superior: str
    note: str
    at: datetime
    version: int
