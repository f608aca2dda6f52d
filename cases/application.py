"""The ``Cases`` application: the commands of a case's lifecycle and supervision, and its queries.

Each command loads the case (a unit principal that may not see it gets ``NotFound``), lets the
command of its concept decide with the reference data it needs, and saves in one transaction,
with the case's deadline timers (``foundation.timers``) kept in the same transaction.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date, datetime
from typing import Any
from uuid import UUID, uuid4

from foundation.actors import Actor
from foundation.application import BaseApplication, Changes, Context, Recorded
from foundation.errors import Forbidden, NotFound
from foundation.event_times import EventTimes
from foundation.store import Store
from foundation.timers import Timer, Timers
from cases import delays, escalation, handling, intake, revisits, supervision
from cases.calendar import local_date
from cases.case import Case
from cases.events import CaseEvent
from cases.numbering import CaseNumbers, counter_id
from cases.reference import ReferenceData
from cases.timefacts import TIMEKEEPER, pending_alarms, record_due_facts
from cases.values import Flag, ReplyOutcome, Requester, Satisfaction, SignedShare, Urgency


def case_timers(aggregate: Any) -> list[Timer] | None:
    """The timers the write side keeps for a case: its pending time facts (None for other aggregates)."""
    if not isinstance(aggregate, Case):
        return None
    return [Timer(alarm.kind, alarm.key, alarm.at) for alarm in pending_alarms(aggregate)]


class NumberBlocks:
    """The case numbers this process reserved and has not handed out yet (``cases.numbering``).

    Taking a number is a step in memory; only every ``BLOCK``-th accept of a day records a
    reservation on the day's counter (retried like any command if another process reserved at
    the same moment). Numbers a process holds when it stops are never issued.
    """

    BLOCK = 20

    def __init__(self, cases: Cases) -> None:
        self._cases = cases
        self._lock = threading.Lock()
        self._day = date.min
        self._free: deque[str] = deque()

    def take(self, ctx: Context) -> str:
        day = local_date(ctx.now)
        with self._lock:
            if day != self._day or not self._free:
                self._free = deque(self._reserve(day, ctx))
                self._day = day
            return self._free.popleft()

    def _reserve(self, day: date, ctx: Context) -> list[str]:
        plain = replace(ctx, expected_version=None, idempotency=None)  # the accept's guards are not the counter's

        def decide() -> Changes:
            counter = self._cases.find(counter_id(day)) or CaseNumbers.open(plain.now, plain.actor)
            return Changes(counter, result=counter.reserve(self.BLOCK, now=plain.now, actor=plain.actor))

        return self._cases.record(plain, decide).result


class Cases(BaseApplication):
    def __init__(self, store: Store, *, timers: Timers, snapshot_interval: int = 50) -> None:
        every = snapshot_interval
        self.times = EventTimes(store.sql)
        self.times.setup()
        super().__init__(store, snapshot_every={Case: every, CaseNumbers: every}, kept=[timers, self.times])
        self.timers = timers
        self.reference = ReferenceData(self.repository, store.recorder.versions_of)
        self.numbers = NumberBlocks(self)

    # ------------------------------------------------------------ queries

    def case(self, case_id: UUID, actor: Actor, *, as_of: datetime | None = None, version: int | None = None) -> Case:
        """The case now, at a version, or as it stood at an instant."""
        current = self._visible(case_id, actor)
        if as_of is not None:
            version = self._version_at(case_id, as_of)
            if not version:
                raise NotFound("case", f"{case_id} as of {as_of.isoformat()}")
        if version is None or version == current.version:
            return current
        if not 1 <= version <= current.version:
            raise NotFound("case", f"{case_id} version {version}")
        return self.load(case_id, "case", version=version)

    def history(self, case_id: UUID, actor: Actor) -> tuple[Case, list[tuple[int, CaseEvent]]]:
        """The case and every event of it in order, with its global position."""
        case = self._visible(case_id, actor)
        return case, self.store.positioned_events(case_id)

    def list_scope(self, actor: Actor, unit: str | None) -> str | None:
        """The unit a case list is limited to: a unit principal sees only its own cases."""
        if not actor.is_unit_member:
            return unit
        if unit is not None and unit != actor.unit:
            raise Forbidden("a unit sees only its own cases")
        return actor.unit

    def feedback_scope(self, actor: Actor, superior: str | None) -> str | None:
        """Art. 17 feedback: a unit sees what is addressed to it as a superior; oversight sees all."""
        if actor.has("center", "city_gov"):
            return superior
        if superior not in (None, actor.unit):
            raise Forbidden("a unit sees only the feedback addressed to it")
        return actor.unit

    def _version_at(self, case_id: UUID, instant: datetime) -> int:
        """The last version recorded at or before ``instant``: an index seek (the history is read once for a case older than the index)."""
        version = self.times.version_at(case_id, instant)
        if version is None:
            events = [event for _, event in self.store.positioned_events(case_id)]
            self.times.fill(case_id, events)
            version = _version_at(events, instant)
        return version

    def _visible(self, case_id: UUID, actor: Actor) -> Case:
        case = self.find(case_id)
        if not isinstance(case, Case) or not case.visible_to(actor):
            raise NotFound("case", case_id)
        return case

    # ----------------------------------------------------------- commands

    def accept(
        self,
        *,
        channel: str,
        category: str,
        summary: str,
        content: str,
        urgency: Urgency,
        requester: Requester,
        confidential: bool,
        unclear: bool = False,
        flags: Sequence[Flag] = (),
        ctx: Context,
        case_id: UUID | None = None,
    ) -> Recorded:
        new_id = case_id or uuid4()
        number = self.numbers.take(ctx)

        def decide() -> Changes:
            case = intake.accept(
                new_id, number=number, channel=channel, category=category, summary=summary, content=content,
                urgency=urgency, requester=requester, confidential=confidential, unclear=unclear, flags=flags,
                now=ctx.now, actor=ctx.actor,
            )
            return Changes(case)

        return self.record(ctx, decide)

    def dispatch(
        self, case_id: UUID, *, lead_unit: str, co_units: Sequence[str] = (), working_days: int | None = None,
        response_hours: int | None = None, ctx: Context,
    ) -> Recorded:
        reference = self.reference.now()
        return self._on_case(
            case_id, ctx, handling.dispatch, lead_unit=lead_unit, co_units=co_units, working_days=working_days,
            response_hours=response_hours, registry=reference.registry, policy=reference.policy, calendar=reference.calendar,
        )

    def sign(self, case_id: UUID, *, ctx: Context) -> Recorded:
        return self._on_case(case_id, ctx, handling.sign)

    def return_dispatch(self, case_id: UUID, *, reason: str, ctx: Context) -> Recorded:
        return self._on_case(case_id, ctx, handling.return_dispatch, reason=reason)

    def decide_return(self, case_id: UUID, number: int, *, accepted: bool, reason: str = "", ctx: Context) -> Recorded:
        return self._on_case(case_id, ctx, handling.decide_return, number, accepted=accepted, reason=reason)

    def respond(self, case_id: UUID, *, note: str, ctx: Context) -> Recorded:
        return self._on_case(case_id, ctx, handling.respond, note=note)

    def reply(self, case_id: UUID, *, content: str, outcome: ReplyOutcome, ctx: Context) -> Recorded:
        return self._on_case(case_id, ctx, handling.reply, content=content, outcome=outcome)

    def close_case(self, case_id: UUID, *, ctx: Context) -> Recorded:
        """Archive the case (``close`` is the library's shutdown of an application)."""
        return self._on_case(case_id, ctx, handling.close)

    def request_extension(self, case_id: UUID, *, working_days: int, reason: str, ctx: Context) -> Recorded:
        return self._on_case(case_id, ctx, delays.request_extension, working_days=working_days, reason=reason)

    def decide_extension(self, case_id: UUID, number: int, *, approved: bool, reason: str = "", ctx: Context) -> Recorded:
        calendar = self.reference.calendar()
        return self._on_case(case_id, ctx, delays.decide_extension, number, approved=approved, reason=reason, calendar=calendar)

    def report_justification(self, case_id: UUID, *, reason: str, ctx: Context) -> Recorded:
        return self._on_case(case_id, ctx, delays.report_justification, reason=reason)

    def decide_justification(self, case_id: UUID, number: int, *, accepted: bool, reason: str = "", ctx: Context) -> Recorded:
        return self._on_case(case_id, ctx, delays.decide_justification, number, accepted=accepted, reason=reason)

    def urge(
        self,
        case_id: UUID,
        *,
        method: str,
        unit: str,
        note: str = "",
        due_date: date | None = None,
        signed_by: Sequence[SignedShare] = (),
        instruction: str | None = None,
        leader: str | None = None,
        addressee: str | None = None,
        received_at: datetime | None = None,
        ctx: Context,
    ) -> Recorded:
        reference = self.reference.now()
        return self._on_case(
            case_id, ctx, supervision.urge, method=method, unit=unit, note=note, due_date=due_date, signed_by=signed_by,
            instruction=instruction, leader=leader, addressee=addressee, received_at=received_at,
            registry=reference.registry, calendar=reference.calendar,
        )

    def supervise(self, case_id: UUID, *, ground: str, reason: str, ctx: Context) -> Recorded:
        return self._on_case(case_id, ctx, supervision.supervise, ground, reason)

    def contribute(self, case_id: UUID, *, note: str, ctx: Context) -> Recorded:
        return self._on_case(case_id, ctx, supervision.contribute, note=note)

    def record_cooperation_issue(self, case_id: UUID, *, unit: str, note: str, ctx: Context) -> Recorded:
        return self._on_case(case_id, ctx, supervision.record_cooperation_issue, unit=unit, note=note)

    def propose_rectification(self, case_id: UUID, *, unit: str, proposal: str, kind: str = "rectification", ctx: Context) -> Recorded:
        return self._on_case(case_id, ctx, escalation.propose_rectification, unit=unit, proposal=proposal, kind=kind)

    def refuse_rectification(self, case_id: UUID, number: int, *, note: str, ctx: Context) -> Recorded:
        return self._on_case(case_id, ctx, escalation.refuse_rectification, number, note=note)

    def escalate(self, case_id: UUID, *, reason: str, ctx: Context) -> Recorded:
        return self._on_case(case_id, ctx, escalation.escalate, reason=reason)

    def order_tracking(self, case_id: UUID, *, note: str, ctx: Context) -> Recorded:
        return self._on_case(case_id, ctx, escalation.order_tracking, note=note)

    def notify_superior(self, case_id: UUID, *, note: str, ctx: Context) -> Recorded:
        return self._on_case(case_id, ctx, escalation.notify_superior, note=note, registry=self.reference.registry())

    def revisit(
        self, case_id: UUID, *, satisfied: bool, reply_matches_facts: bool, note: str = "",
        satisfaction: Satisfaction | None = None, ctx: Context,
    ) -> Recorded:
        return self._on_case(
            case_id, ctx, revisits.revisit, satisfied=satisfied, reply_matches_facts=reply_matches_facts, note=note,
            satisfaction=satisfaction,
        )

    def redo(self, case_id: UUID, *, reason: str, working_days: int | None = None, ctx: Context) -> Recorded:
        reference = self.reference.now()
        return self._on_case(
            case_id, ctx, revisits.redo, reason=reason, working_days=working_days, policy=reference.policy,
            calendar=reference.calendar,
        )

    def attribute_redo(self, case_id: UUID, *, unit_at_fault: bool, reason: str, ctx: Context) -> Recorded:
        return self._on_case(case_id, ctx, revisits.attribute_redo, unit_at_fault=unit_at_fault, reason=reason)

    def record_time_facts(self, case_id: UUID, *, until: datetime, now: datetime | None) -> int:
        """The timekeeper's command for one case; idempotent, so safe after a restart or beside a rival."""

        def decide() -> Changes:
            case = self.find(case_id)
            if not isinstance(case, Case):
                return Changes(None, result=0)
            return Changes(case, result=record_due_facts(case, until=until, now=now))

        return self.record(Context(actor=TIMEKEEPER, now=now or until), decide, turn=case_id).result

    # ------------------------------------------------------------ plumbing

    def _on_case(self, case_id: UUID, ctx: Context, command: Callable[..., Any], *args: Any, **kwargs: Any) -> Recorded:
        """Load the case the principal may see, check ``If-Match``, run ``command`` on it, save."""

        def decide() -> Changes:
            case = self._visible(case_id, ctx.actor)
            self.check_version(ctx, case)
            command(case, *args, **kwargs, now=ctx.now, actor=ctx.actor)
            return Changes(case)

        return self.record(ctx, decide, turn=case_id)


def _version_at(events: list[Any], instant: datetime) -> int:
    """The last version recorded at or before ``instant`` (0: the aggregate did not exist yet)."""
    versions = [event.originator_version for event in events if event.timestamp <= instant]
    return versions[-1] if versions else 0
