"""The ``Cases`` application: the commands of a case's lifecycle and supervision, and its queries.

Each command loads the case (a unit principal that may not see it gets ``NotFound``), lets the
aggregate decide with the reference data it needs, and saves in one transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any, TypeVar
from uuid import UUID, uuid4

from cases.actors import Actor
from cases.calendar import local_date
from cases.case import TIMEKEEPER, Case
from cases.errors import Forbidden, NotFound
from cases.events import CaseEvent
from cases.model import Flag, Outcome, Requester, Satisfaction, SignedShare, Urgency
from cases.numbering import CaseNumbers, counter_id
from cases.reference import ReferenceData
from hotline.application import Context, Recorded
from replay.as_of import history, version_at

T = TypeVar("T")


class Cases(ReferenceData):
    def __init__(self, store: Any) -> None:
        super().__init__(store)
        every = store.settings.snapshot_interval
        self.snapshotting_intervals = {Case: every, CaseNumbers: every}

    # ------------------------------------------------------------ queries

    def case(self, case_id: UUID, actor: Actor, *, as_of: datetime | None = None, version: int | None = None) -> Case:
        """The case now, at a version, or as it stood at an instant."""
        current = self._visible(case_id, actor)
        if as_of is not None:
            version = version_at(history(self.store, case_id), as_of)
            if not version:
                raise NotFound("case", f"{case_id} as of {as_of.isoformat()}")
        if version is None or version == current.version:
            return current
        if not 1 <= version <= current.version:
            raise NotFound("case", f"{case_id} version {version}")
        return self.load(case_id, "case", version=version)

    def history(self, case_id: UUID, actor: Actor) -> list[tuple[int, CaseEvent]]:
        """Every event of the case in order, with its global position."""
        self._visible(case_id, actor)
        return history(self.store, case_id)

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

    def _visible(self, case_id: UUID, actor: Actor) -> Case:
        case = self.load(case_id, "case")
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
        unclear: bool,
        flags: list[Flag],
        ctx: Context,
        case_id: UUID | None = None,
    ) -> Recorded[Case]:
        new_id = case_id or uuid4()

        def decide() -> tuple[list[Any], Case, Case]:
            numbers = self.find(counter_id(local_date(ctx.now))) or CaseNumbers.open(ctx.now, ctx.actor)
            number = numbers.issue(now=ctx.now, actor=ctx.actor)
            case = Case.accept(
                new_id,
                number=number,
                channel=channel,
                category=category,
                summary=summary,
                content=content,
                urgency=urgency,
                requester=requester,
                confidential=confidential,
                unclear=unclear,
                flags=flags,
                now=ctx.now,
                actor=ctx.actor,
            )
            return [numbers, case], case, case

        return self.record(ctx, decide)

    def dispatch(
        self, case_id: UUID, *, lead_unit: str, co_units: list[str], working_days: int | None, response_hours: int | None, ctx: Context
    ) -> Recorded[Any]:
        return self._act(
            case_id,
            ctx,
            lambda case: case.dispatch(
                lead_unit=lead_unit,
                co_units=co_units,
                working_days=working_days,
                response_hours=response_hours,
                registry=self.registry(),
                policy=self.policy(),
                calendar=self.calendar(),
                now=ctx.now,
                actor=ctx.actor,
            ),
        )

    def sign(self, case_id: UUID, ctx: Context) -> Recorded[Any]:
        return self._act(case_id, ctx, lambda case: case.sign(now=ctx.now, actor=ctx.actor))

    def return_dispatch(self, case_id: UUID, *, reason: str, ctx: Context) -> Recorded[Any]:
        return self._act(case_id, ctx, lambda case: case.return_dispatch(reason=reason, now=ctx.now, actor=ctx.actor))

    def decide_return(self, case_id: UUID, n: int, *, accepted: bool, reason: str, ctx: Context) -> Recorded[Any]:
        return self._act(
            case_id, ctx, lambda case: case.decide_return(n, accepted=accepted, reason=reason, now=ctx.now, actor=ctx.actor)
        )

    def respond(self, case_id: UUID, *, note: str, ctx: Context) -> Recorded[Any]:
        return self._act(case_id, ctx, lambda case: case.respond(note=note, now=ctx.now, actor=ctx.actor))

    def request_extension(self, case_id: UUID, *, working_days: int, reason: str, ctx: Context) -> Recorded[Any]:
        return self._act(
            case_id,
            ctx,
            lambda case: case.request_extension(working_days=working_days, reason=reason, now=ctx.now, actor=ctx.actor),
        )

    def decide_extension(self, case_id: UUID, n: int, *, approved: bool, reason: str, ctx: Context) -> Recorded[Any]:
        return self._act(
            case_id,
            ctx,
            lambda case: case.decide_extension(
                n, approved=approved, reason=reason, calendar=self.calendar(), now=ctx.now, actor=ctx.actor
            ),
        )

    def report_justification(self, case_id: UUID, *, reason: str, ctx: Context) -> Recorded[Any]:
        return self._act(case_id, ctx, lambda case: case.report_justification(reason=reason, now=ctx.now, actor=ctx.actor))

    def decide_justification(self, case_id: UUID, n: int, *, accepted: bool, reason: str, ctx: Context) -> Recorded[Any]:
        return self._act(
            case_id,
            ctx,
            lambda case: case.decide_justification(n, accepted=accepted, reason=reason, now=ctx.now, actor=ctx.actor),
        )

    def urge(
        self,
        case_id: UUID,
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
        ctx: Context,
    ) -> Recorded[Any]:
        return self._act(
            case_id,
            ctx,
            lambda case: case.urge(
                method=method,
                unit=unit,
                note=note,
                due_date=due_date,
                signed_by=signed_by,
                instruction=instruction,
                leader=leader,
                addressee=addressee,
                received_at=received_at,
                registry=self.registry(),
                calendar=self.calendar(),
                now=ctx.now,
                actor=ctx.actor,
            ),
        )

    def supervise(self, case_id: UUID, *, ground: str, reason: str, ctx: Context) -> Recorded[Any]:
        return self._act(case_id, ctx, lambda case: case.supervise(ground, reason, now=ctx.now, actor=ctx.actor))

    def propose_rectification(self, case_id: UUID, *, unit: str, proposal: str, kind: str, ctx: Context) -> Recorded[Any]:
        return self._act(
            case_id,
            ctx,
            lambda case: case.propose_rectification(unit=unit, proposal=proposal, kind=kind, now=ctx.now, actor=ctx.actor),
        )

    def refuse_rectification(self, case_id: UUID, n: int, *, note: str, ctx: Context) -> Recorded[Any]:
        return self._act(case_id, ctx, lambda case: case.refuse_rectification(n, note=note, now=ctx.now, actor=ctx.actor))

    def escalate(self, case_id: UUID, *, reason: str, ctx: Context) -> Recorded[Any]:
        return self._act(case_id, ctx, lambda case: case.escalate(reason=reason, now=ctx.now, actor=ctx.actor))

    def order_tracking(self, case_id: UUID, *, note: str, ctx: Context) -> Recorded[Any]:
        return self._act(case_id, ctx, lambda case: case.order_tracking(note=note, now=ctx.now, actor=ctx.actor))

    def contribute(self, case_id: UUID, *, note: str, ctx: Context) -> Recorded[Any]:
        return self._act(case_id, ctx, lambda case: case.contribute(note=note, now=ctx.now, actor=ctx.actor))

    def record_cooperation_issue(self, case_id: UUID, *, unit: str, note: str, ctx: Context) -> Recorded[Any]:
        return self._act(
            case_id, ctx, lambda case: case.record_cooperation_issue(unit=unit, note=note, now=ctx.now, actor=ctx.actor)
        )

    def notify_superior(self, case_id: UUID, *, note: str, ctx: Context) -> Recorded[Any]:
        return self._act(
            case_id,
            ctx,
            lambda case: case.notify_superior(note=note, registry=self.registry(), now=ctx.now, actor=ctx.actor),
        )

    def reply(self, case_id: UUID, *, content: str, outcome: Outcome, ctx: Context) -> Recorded[Any]:
        return self._act(case_id, ctx, lambda case: case.reply(content=content, outcome=outcome, now=ctx.now, actor=ctx.actor))

    def revisit(
        self,
        case_id: UUID,
        *,
        satisfied: bool,
        reply_matches_facts: bool,
        note: str,
        satisfaction: Satisfaction | None,
        ctx: Context,
    ) -> Recorded[Any]:
        return self._act(
            case_id,
            ctx,
            lambda case: case.revisit(
                satisfied=satisfied,
                reply_matches_facts=reply_matches_facts,
                note=note,
                satisfaction=satisfaction,
                now=ctx.now,
                actor=ctx.actor,
            ),
        )

    def redo(self, case_id: UUID, *, reason: str, working_days: int | None, ctx: Context) -> Recorded[Any]:
        return self._act(
            case_id,
            ctx,
            lambda case: case.redo(
                reason=reason,
                working_days=working_days,
                policy=self.policy(),
                calendar=self.calendar(),
                now=ctx.now,
                actor=ctx.actor,
            ),
        )

    def attribute_redo(self, case_id: UUID, *, unit_at_fault: bool, reason: str, ctx: Context) -> Recorded[Any]:
        return self._act(
            case_id,
            ctx,
            lambda case: case.attribute_redo(unit_at_fault=unit_at_fault, reason=reason, now=ctx.now, actor=ctx.actor),
        )

    def close_case(self, case_id: UUID, ctx: Context) -> Recorded[Any]:
        return self._act(case_id, ctx, lambda case: case.close(now=ctx.now, actor=ctx.actor))

    def record_time_facts(self, case_id: UUID, *, until: datetime, now: datetime | None) -> int:
        """The timekeeper's command for one case; idempotent, so safe after a restart or beside a rival."""

        def decide() -> tuple[list[Case], int, Case | None]:
            case = self.find(case_id)
            if not isinstance(case, Case):
                return [], 0, None
            return [case], case.record_time_facts(until=until, now=now), case

        return self.record(Context(actor=TIMEKEEPER, now=now or until), decide).value

    # ------------------------------------------------------------ plumbing

    def _act(self, case_id: UUID, ctx: Context, act: Callable[[Case], T]) -> Recorded[T]:
        def decide() -> tuple[list[Case], T, Case]:
            case = self._visible(case_id, ctx.actor)
            self.check_version(ctx, case)
            outcome = act(case)
            return [case], outcome, case

        return self.record(ctx, decide)
