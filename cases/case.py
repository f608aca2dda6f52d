"""The case (办件 / 工单): a citizen's request from acceptance to archive, as a sequence of events.

Lifecycle::

    accepted --dispatch--> dispatched --sign (lead)--> signed --reply--> replied --close--> closed
        ^                      |                          |                 |
        +---- return-dispatch -+--------------------------+                 +--redo--> redo --reply--> replied

A unit acts on a case only while it is with that unit (dispatched, signed, redo). Every command
first records the time-triggered facts that became true before ``now`` (a lapse the timekeeper
has not reached yet), so a decision never rests on a stale picture of time.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from cases.actors import Actor, system
from cases.aggregate import Aggregate
from cases.calendar import WorkingCalendar, end_of_day, local_date
from cases.deadlines import extended, handling_deadline, handling_rule, recomputed, response_deadline
from cases.errors import Forbidden, InvalidInput, NotAllowedNow, NotFound
from cases.events import (
    Accepted,
    Closed,
    ContributionRecorded,
    DeadlinesRecomputed,
    Dispatched,
    DispatchReturned,
    ExtensionDecided,
    ExtensionRequested,
    JustificationDecided,
    JustificationReported,
    RedoAttributed,
    RedoOrdered,
    Replied,
    Responded,
    ReturnDecided,
    Revisited,
    Signed,
    SupervisionMet,
)
from cases.model import (
    CityTracking,
    Contribution,
    CooperationIssue,
    Decision,
    DispatchReturn,
    Escalation,
    ExtensionRequest,
    Flag,
    HandlingRound,
    Justification,
    Outcome,
    Rectification,
    RedoAttribution,
    Reply,
    Requester,
    Revisit,
    Satisfaction,
    Signature,
    Status,
    SuperiorFeedback,
    SupervisionGround,
    Urgency,
    Urging,
)
from cases.policy import PolicyTable
from cases.supervision import FLAG_GROUND, GROUND_TEXT, Supervision
from cases.timefacts import record_due_facts
from cases.units import UnitRegistry

WITH_UNIT: frozenset[str] = frozenset({"dispatched", "signed", "redo"})
TIMEKEEPER = system("timekeeper")


class Case(Supervision, Aggregate):
    number: str = ""
    channel: str = ""
    category: str = ""
    summary: str = ""
    content: str = ""
    urgency: Urgency = "normal"
    requester: Requester | None = None
    confidential: bool = False
    unclear: bool = False
    flags: list[Flag] = []
    accepted_at: datetime | None = None
    accepted_by: str = ""
    status: Status = "accepted"
    rounds: list[HandlingRound] = []
    units_ever: list[str] = []
    returns: list[DispatchReturn] = []
    extension_requests: list[ExtensionRequest] = []
    justifications: list[Justification] = []
    urgings: list[Urging] = []
    grounds: list[SupervisionGround] = []
    revisits: list[Revisit] = []
    redo_attributions: list[RedoAttribution] = []
    contributions: list[Contribution] = []
    rectifications: list[Rectification] = []
    escalations: list[Escalation] = []
    city_tracking: CityTracking | None = None
    cooperation_issues: list[CooperationIssue] = []
    superior_feedback: list[SuperiorFeedback] = []
    closed_at: datetime | None = None

    # ------------------------------------------------------------------ reading

    @property
    def round(self) -> int:
        """The handling round: 0 before the first dispatch; each dispatch and redo starts one."""
        return len(self.rounds)

    @property
    def current_round(self) -> HandlingRound:
        if not self.rounds:
            raise NotAllowedNow("handling", "case has not been dispatched", self.allowed_actions())
        return self.rounds[-1]

    @property
    def is_with_unit(self) -> bool:
        return self.status in WITH_UNIT

    @property
    def overdue(self) -> bool:
        """The current round's handling deadline lapsed before the reply."""
        return bool(self.rounds) and self.rounds[-1].deadline.lapsed_at is not None

    @property
    def supervised(self) -> bool:
        return bool(self.grounds)

    @property
    def pending_return(self) -> DispatchReturn | None:
        last = self.returns[-1] if self.returns else None
        return last if last is not None and last.decision is None else None

    def visible_to(self, actor: Actor) -> bool:
        """A unit sees only the cases that are or were dispatched to it."""
        return not actor.is_unit_member or actor.unit in self.units_ever

    def lead_units(self) -> list[str]:
        return list(dict.fromkeys(r.lead_unit for r in self.rounds))

    def was_overdue(self, unit: str) -> bool:
        return any(r.lead_unit == unit and r.deadline.lapsed_at is not None for r in self.rounds)

    def passed_buck(self, unit: str) -> bool:
        """The unit returned the case and the center ruled the return unjustified (推诿)."""
        return any(r.unit == unit and r.decision is not None and not r.decision.granted for r in self.returns)

    def allowed_actions(self) -> list[str]:
        """The actions the case accepts in its current state (what a 409 names)."""
        if self.status == "closed":
            return ["superior-feedback"] if self.urgings else []  # Art. 17: the result may come after archiving
        allowed = {"supervision"}
        if self.status == "accepted":
            allowed |= {"dispatch", "close"}
            if self.pending_return is not None:
                allowed.add("return-decision")
        if self.is_with_unit:
            allowed |= self._with_unit_actions()
        if self.status == "replied":
            allowed |= {"revisit", "redo", "close", "justifications"}
            if self._redo_attribution_open():
                allowed.add("redo-attribution")
        allowed |= self._decision_actions()
        return sorted(allowed)

    def _with_unit_actions(self) -> set[str]:
        current = self.current_round
        allowed = {"return-dispatch", "extension-requests", "justifications", "urgings"}
        if any(not current.signed_by(unit) for unit in current.units):
            allowed.add("sign")
        if self.status in ("signed", "redo"):
            allowed.add("reply")
        if current.co_units:
            allowed |= {"contributions", "cooperation-issues"}
        if current.response is not None and current.response.responded_at is None:
            allowed.add("respond")
        return allowed

    def _decision_actions(self) -> set[str]:
        allowed: set[str] = set()
        if any(r.decision is None for r in self.extension_requests):
            allowed.add("extension-decision")
        if any(j.decision is None for j in self.justifications):
            allowed.add("justification-decision")
        if self.rounds and any(self.was_overdue(u) or self.passed_buck(u) for u in self.units_ever):
            allowed.add("rectification-proposals")
        if any(r.refused_at is None for r in self.rectifications):
            allowed.add("rectification-refusal")
        escalated = {e.rectification for e in self.escalations}
        if any(r.refused_at is not None and r.n not in escalated for r in self.rectifications):
            allowed.add("escalations")
        if self.escalations and self.city_tracking is None:
            allowed.add("tracking")
        if self.urgings:
            allowed.add("superior-feedback")
        return allowed

    def _redo_attribution_open(self) -> bool:
        if not self.rounds or self.rounds[-1].kind != "redo":
            return False
        current = self.rounds[-1]
        latest = next((r for r in reversed(self.revisits) if r.round == current.n), None)
        attributed = any(a.round == current.n for a in self.redo_attributions)
        return latest is not None and not latest.satisfied and not attributed

    # ----------------------------------------------------------------- commands

    def prepare(self, action: str, *, now: datetime, why: str = "") -> None:
        """Record the time facts due by ``now``, then refuse ``action`` if the state does not allow it."""
        record_due_facts(self, until=now, now=now, actor=TIMEKEEPER)
        allowed = self.allowed_actions()
        if action not in allowed:
            raise NotAllowedNow(action, f"case is {self.status}", allowed, why)

    def record_time_facts(self, *, until: datetime, now: datetime | None) -> int:
        """The timekeeper's command: record every fact that became true by ``until``."""
        return record_due_facts(self, until=until, now=now, actor=TIMEKEEPER)

    @classmethod
    def accept(
        cls,
        case_id: UUID,
        *,
        number: str,
        channel: str,
        category: str,
        summary: str,
        content: str,
        urgency: Urgency,
        requester: Requester,
        confidential: bool,
        unclear: bool,
        flags: list[Flag],
        now: datetime,
        actor: Actor,
    ) -> Case:
        """Accept (登记) a request; flags that make it a 6(1) or 6(2) case are recorded at once."""
        case = cls.start(
            Accepted,
            id=case_id,
            now=now,
            actor=actor,
            number=number,
            channel=channel,
            category=category,
            summary=summary,
            content=content,
            urgency=urgency,
            requester=requester,
            confidential=confidential,
            unclear=unclear,
            flags=list(dict.fromkeys(flags)),
        )
        for flag in case.flags:
            ground = FLAG_GROUND[flag]
            case.require_supervision(ground, f"flagged '{flag}' at acceptance: {GROUND_TEXT[ground]}", now=now, actor=actor)
        return case

    def dispatch(
        self,
        *,
        lead_unit: str,
        co_units: list[str],
        working_days: int | None,
        response_hours: int | None,
        registry: UnitRegistry,
        policy: PolicyTable,
        calendar: WorkingCalendar,
        now: datetime,
        actor: Actor,
    ) -> HandlingRound:
        """Hand the case to a lead unit and co-units and set the handling deadline."""
        self.prepare("dispatch", now=now)
        self._check_units(lead_unit, co_units, registry)
        if response_hours is not None and self.urgency != "emergency":
            raise InvalidInput("response_hours", "a response deadline applies only to emergency cases")
        pending = self.pending_return
        if pending is not None:
            self._decide_return(pending.n, granted=True, reason="re-dispatched by the center", now=now, actor=actor)
        start = local_date(now)
        if working_days is not None:
            days, source = working_days, "set at dispatch"
        else:
            days, source = policy.working_days(self.category, self.urgency)
        deadline = handling_deadline(
            start=start, working_days=days, calendar=calendar, rule=handling_rule(days, start, "dispatch", source)
        )
        response = None
        if self.urgency == "emergency":
            hours, hours_source = (
                (response_hours, "set at dispatch") if response_hours is not None else policy.response_hours(self.category)
            )
            response = response_deadline(dispatched_at=now, hours=hours, source=hours_source)
        new_round = HandlingRound(
            n=self.round + 1,
            kind="dispatch",
            lead_unit=lead_unit,
            co_units=co_units,
            started_at=now,
            deadline=deadline,
            response=response,
            version=self.version + 1,
        )
        self.trigger(Dispatched, now=now, actor=actor, round=new_round)
        return new_round

    def _check_units(self, lead_unit: str, co_units: list[str], registry: UnitRegistry) -> None:
        registry.handling_unit(lead_unit, "lead_unit")
        for i, unit in enumerate(co_units):
            registry.handling_unit(unit, f"co_units[{i}]")
            if unit == lead_unit:
                raise InvalidInput(f"co_units[{i}]", "the lead unit cannot also be a co-unit")
            if unit in co_units[:i]:
                raise InvalidInput(f"co_units[{i}]", f"'{unit}' is listed twice")

    def sign(self, *, now: datetime, actor: Actor) -> Signature:
        """A unit on the case acknowledges receipt (签收); each co-unit signs separately."""
        self.prepare("sign", now=now)
        unit = self._acting_unit(actor, "sign")
        current = self.current_round
        if current.signed_by(unit):
            raise NotAllowedNow("sign", f"case is already signed by {unit} in round {current.n}", self.allowed_actions())
        signature = Signature(unit=unit, at=now, staff=actor.staff)
        self.trigger(Signed, now=now, actor=actor, signature=signature, lead=unit == current.lead_unit)
        return signature

    def return_dispatch(self, *, reason: str, now: datetime, actor: Actor) -> DispatchReturn:
        """The lead unit says the case is not its business; it goes back to the center."""
        self.prepare("return-dispatch", now=now)
        self._acting_unit(actor, "return-dispatch")
        self.require_lead(actor, "return-dispatch")
        current = self.current_round
        returned = DispatchReturn(
            n=len(self.returns) + 1,
            round=current.n,
            unit=current.lead_unit,
            reason=reason,
            at=now,
            version=self.version + 1,
            previous_status=self.status,
            staff=actor.staff,
        )
        self.trigger(DispatchReturned, now=now, actor=actor, dispatch_return=returned)
        return returned

    def decide_return(self, n: int, *, accepted: bool, reason: str, now: datetime, actor: Actor) -> None:
        """The center rules on a return: accepted (re-dispatch) or rejected (back to the unit, 推诿)."""
        self.prepare("return-decision", now=now)
        if not 1 <= n <= len(self.returns):
            raise NotFound("return", n)
        if self.returns[n - 1].decision is not None:
            raise NotAllowedNow("return-decision", f"return {n} is already decided", self.allowed_actions())
        self._decide_return(n, granted=accepted, reason=reason, now=now, actor=actor)

    def _decide_return(self, n: int, *, granted: bool, reason: str, now: datetime, actor: Actor) -> None:
        returned = self.returns[n - 1]
        decision = Decision(granted=granted, reason=reason, at=now, staff=actor.staff, version=self.version + 1)
        status = "accepted" if granted else returned.previous_status
        self.trigger(ReturnDecided, now=now, actor=actor, n=n, decision=decision, status=status)

    def respond(self, *, note: str, now: datetime, actor: Actor) -> None:
        """The first response to an emergency case meets its response deadline (Art. 11(3))."""
        self.prepare("respond", now=now, why="only an emergency case awaiting its first response accepts it")
        unit = self._acting_unit(actor, "respond")
        self.trigger(Responded, now=now, actor=actor, unit=unit, note=note)

    def request_extension(self, *, working_days: int, reason: str, now: datetime, actor: Actor) -> ExtensionRequest:
        """Ask for more time; a request is filed before the deadline lapses."""
        self.prepare("extension-requests", now=now)
        self._acting_unit(actor, "extension-requests")
        self.require_lead(actor, "extension-requests")
        current = self.current_round
        if current.deadline.lapsed_at is not None:
            raise NotAllowedNow(
                "extension-requests",
                f"handling deadline {current.deadline.due_date.isoformat()} has already lapsed",
                self.allowed_actions(),
            )
        if any(r.decision is None for r in self.extension_requests):
            raise NotAllowedNow("extension-requests", "an extension request is already pending", self.allowed_actions())
        request = ExtensionRequest(
            n=len(self.extension_requests) + 1,
            round=current.n,
            unit=current.lead_unit,
            working_days=working_days,
            reason=reason,
            at=now,
        )
        self.trigger(ExtensionRequested, now=now, actor=actor, request=request)
        return request

    def decide_extension(
        self, n: int, *, approved: bool, reason: str, calendar: WorkingCalendar, now: datetime, actor: Actor
    ) -> None:
        """Approve (moving the due date past the current one) or refuse; a late approval never undoes a lapse."""
        self.prepare("extension-decision", now=now)
        if not 1 <= n <= len(self.extension_requests):
            raise NotFound("extension request", n)
        request = self.extension_requests[n - 1]
        if request.decision is not None:
            raise NotAllowedNow("extension-decision", f"extension request {n} is already decided", self.allowed_actions())
        current = self.rounds[request.round - 1]
        deadline = None
        if approved and request.round == self.round and current.reply is None:
            rule = (
                f"{current.deadline.rule}; extended by {request.working_days} working days "
                f"(extension request {n} approved on {local_date(now).isoformat()})"
            )
            deadline = extended(current.deadline, request.working_days, calendar, rule)
        decision = Decision(granted=approved, reason=reason, at=now, staff=actor.staff, version=self.version + 1)
        self.trigger(
            ExtensionDecided,
            now=now,
            actor=actor,
            n=n,
            decision=decision,
            deadline=deadline,
            decided_before_lapse=current.deadline.lapsed_at is None,
        )

    def report_justification(self, *, reason: str, now: datetime, actor: Actor) -> Justification:
        """The lead unit reports a justified reason for the delay (Art. 11(1))."""
        self.prepare("justifications", now=now)
        self._acting_unit(actor, "justifications", while_replied=True)
        self.require_lead(actor, "justifications")
        current = self.current_round
        if any(j.round == current.n and j.decision is None for j in self.justifications):
            raise NotAllowedNow("justifications", "a justification report is already pending", self.allowed_actions())
        justification = Justification(
            n=len(self.justifications) + 1,
            round=current.n,
            unit=current.lead_unit,
            reason=reason,
            at=now,
            version=self.version + 1,
        )
        self.trigger(JustificationReported, now=now, actor=actor, justification=justification)
        return justification

    def decide_justification(self, n: int, *, accepted: bool, reason: str, now: datetime, actor: Actor) -> None:
        self.prepare("justification-decision", now=now)
        if not 1 <= n <= len(self.justifications):
            raise NotFound("justification", n)
        if self.justifications[n - 1].decision is not None:
            raise NotAllowedNow("justification-decision", f"justification {n} is already decided", self.allowed_actions())
        decision = Decision(granted=accepted, reason=reason, at=now, staff=actor.staff, version=self.version + 1)
        self.trigger(JustificationDecided, now=now, actor=actor, n=n, decision=decision)

    def contribute(self, *, note: str, now: datetime, actor: Actor) -> None:
        """A co-unit's part of a joint case; it finishes the urgings addressed to that co-unit."""
        self.prepare("contributions", now=now)
        unit = self._acting_unit(actor, "contributions")
        current = self.current_round
        if unit not in current.co_units:
            raise Forbidden("only a co-unit records a contribution; the lead unit replies")
        contribution = Contribution(unit=unit, round=current.n, note=note, at=now)
        self.trigger(ContributionRecorded, now=now, actor=actor, contribution=contribution)
        self._meet_urgings(now=now, actor=actor, unit=unit)

    def reply(self, *, content: str, outcome: Outcome, now: datetime, actor: Actor) -> Reply:
        """The lead unit's reply ends the round and finishes (办结) the case for every open urging."""
        self.prepare("reply", now=now)
        unit = self._acting_unit(actor, "reply")
        self.require_lead(actor, "reply")
        current = self.current_round
        if current.response is not None and current.response.responded_at is None and current.response.lapsed_at is None:
            self.trigger(Responded, now=now, actor=actor, unit=unit, note="replied")
        reply = Reply(unit=unit, content=content, outcome=outcome, at=now, staff=actor.staff, version=self.version + 1)
        self.trigger(Replied, now=now, actor=actor, reply=reply, late=current.deadline.lapsed_at is not None)
        self._meet_urgings(now=now, actor=actor, unit=None)
        return reply

    def _meet_urgings(self, *, now: datetime, actor: Actor, unit: str | None) -> None:
        current_n = self.round
        met = [
            u.n
            for u in self.urgings
            if u.round == current_n and u.met_at is None and u.lapsed_at is None and (unit is None or u.unit == unit)
        ]
        if met:
            self.trigger(SupervisionMet, now=now, actor=actor, urgings=met)

    def revisit(
        self,
        *,
        satisfied: bool,
        reply_matches_facts: bool,
        note: str,
        satisfaction: Satisfaction | None,
        now: datetime,
        actor: Actor,
    ) -> Revisit:
        """The requester's feedback on the reply, and the verification that it matches the facts."""
        self.prepare("revisit", now=now)
        current = self.current_round
        if any(r.round == current.n for r in self.revisits):
            raise NotAllowedNow("revisit", f"round {current.n} is already revisited", self.allowed_actions())
        if satisfaction is not None and satisfied != (satisfaction in ("very_satisfied", "satisfied", "basically_satisfied")):
            raise InvalidInput("satisfaction", f"'{satisfaction}' contradicts satisfied={str(satisfied).lower()}")
        revisit = Revisit(
            n=len(self.revisits) + 1,
            round=current.n,
            satisfied=satisfied,
            reply_matches_facts=reply_matches_facts,
            note=note,
            satisfaction=satisfaction,
            at=now,
            staff=actor.staff,
            version=self.version + 1,
        )
        self.trigger(Revisited, now=now, actor=actor, revisit=revisit)
        return revisit

    def redo(
        self,
        *,
        reason: str,
        working_days: int | None,
        policy: PolicyTable,
        calendar: WorkingCalendar,
        now: datetime,
        actor: Actor,
    ) -> HandlingRound:
        """Return for redo (发回重办): the same units, a new round and a new deadline."""
        self.prepare("redo", now=now)
        previous = self.current_round
        start = local_date(now)
        if working_days is not None:
            days, source = working_days, "set at redo"
        else:
            days, source = policy.working_days(self.category, self.urgency)
        deadline = handling_deadline(
            start=start, working_days=days, calendar=calendar, rule=handling_rule(days, start, "redo", source)
        )
        new_round = HandlingRound(
            n=previous.n + 1,
            kind="redo",
            lead_unit=previous.lead_unit,
            co_units=list(previous.co_units),
            started_at=now,
            deadline=deadline,
            version=self.version + 1,
        )
        self.trigger(RedoOrdered, now=now, actor=actor, reason=reason, round=new_round)
        return new_round

    def attribute_redo(self, *, unit_at_fault: bool, reason: str, now: datetime, actor: Actor) -> RedoAttribution:
        """After a redo the requester is still unsatisfied: the unit's fault makes it a 6(4) case."""
        self.prepare(
            "redo-attribution",
            now=now,
            why="it needs a redo round whose reply the requester found unsatisfying, not yet attributed",
        )
        current = self.current_round
        attribution = RedoAttribution(
            round=current.n,
            unit=current.lead_unit,
            unit_at_fault=unit_at_fault,
            reason=reason,
            at=now,
            version=self.version + 1,
        )
        self.trigger(RedoAttributed, now=now, actor=actor, attribution=attribution)
        if unit_at_fault:
            self.require_supervision(
                "6(4)", f"still unsatisfied after redo, attributed to {current.lead_unit}: {reason}", now=now, actor=actor
            )
        return attribution

    def close(self, *, now: datetime, actor: Actor) -> None:
        """Archive (归档) the case."""
        self.prepare("close", now=now)
        if self.pending_return is not None:
            raise NotAllowedNow("close", "a return awaits the center's decision", self.allowed_actions())
        self.trigger(Closed, now=now, actor=actor)

    def recompute_deadlines(self, calendar: WorkingCalendar, *, now: datetime, actor: Actor) -> bool:
        """Recount the deadlines that have not lapsed with a new calendar; True if any moved."""
        record_due_facts(self, until=now, now=now, actor=TIMEKEEPER)
        if not self.is_with_unit or self.current_round.reply is not None:
            return False
        current = self.current_round
        deadline = None
        if current.deadline.lapsed_at is None:
            candidate = recomputed(current.deadline, calendar)
            if candidate.due_date != current.deadline.due_date or candidate.overdue_mark_date != current.deadline.overdue_mark_date:
                deadline = candidate
        urgings = {}
        for urging in self.urgings:
            if urging.round == current.n and urging.calendar_version is not None and urging.met_at is None and urging.lapsed_at is None:
                due = calendar.add_working_days(local_date(urging.received_at), 2)
                if due != urging.due_date:
                    urgings[urging.n] = (due, end_of_day(due))
        if deadline is None and not urgings:
            return False
        self.trigger(
            DeadlinesRecomputed, now=now, actor=actor, calendar_version=calendar.version, deadline=deadline, urgings=urgings
        )
        return True

    # ---------------------------------------------------------------- guards

    def _acting_unit(self, actor: Actor, action: str, *, while_replied: bool = False) -> str:
        """The actor's unit, which must be on the case in the current round."""
        current = self.current_round
        if actor.unit is None or actor.unit not in current.units or current.returned:
            raise Forbidden(f"'{action}' is for a unit the case is with now ({', '.join(current.units)})")
        if not (self.is_with_unit or (while_replied and self.status == "replied")):
            raise NotAllowedNow(action, f"case is {self.status}", self.allowed_actions())
        return actor.unit


Accepted.aggregate_class = Case
