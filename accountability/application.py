"""The ``Findings`` application: raising findings by hand and every decision on them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar
from uuid import UUID, uuid4

from accountability.finding import OVERSIGHT, BasisRef, Finding, Responsibility, Subject
from cases.actors import Actor
from cases.case import Case
from cases.errors import FieldError, Forbidden, InvalidInput, NotFound
from cases.reference import ReferenceData
from hotline.application import Context, Recorded

T = TypeVar("T")


class Findings(ReferenceData):
    def __init__(self, store: Any) -> None:
        super().__init__(store)
        self.snapshotting_intervals = {Finding: store.settings.snapshot_interval}

    def finding(self, finding_id: UUID, actor: Actor) -> Finding:
        finding = self.find(finding_id)
        if not isinstance(finding, Finding) or not finding.visible_to(actor, self.registry()):
            raise NotFound("finding", finding_id)
        return finding

    def list_scope(self, actor: Actor, *, unit: str | None, staff: str | None) -> tuple[tuple[str, ...] | None, str | None]:
        """Which subjects a findings list may show: oversight all, a unit its subtree, a person their own."""
        if OVERSIGHT.intersection(actor.roles):
            return ((unit,) if unit else None), staff
        if actor.is_unit_member and actor.unit:
            allowed = self.registry().subtree(actor.unit)
            if unit is not None and unit not in allowed:
                raise Forbidden("a unit sees the findings on itself and its subordinate units")
            return ((unit,) if unit else tuple(allowed)), staff
        if staff not in (None, actor.staff):
            raise Forbidden("you see the findings on yourself")
        return ((unit,) if unit else None), actor.staff

    def raise_finding(
        self, *, clause: str, subject: Subject, basis: list[BasisRef], description: str, ctx: Context
    ) -> Recorded[Finding]:
        new_id = uuid4()

        def decide() -> tuple[list[Any], Finding, Finding]:
            self._check_basis(basis)
            finding = Finding.raise_by_hand(
                new_id, clause=clause, subject=subject, basis=basis, description=description,
                registry=self.registry(), now=ctx.now, actor=ctx.actor,
            )
            return [finding], finding, finding

        return self.record(ctx, decide)

    def _check_basis(self, basis: list[BasisRef]) -> None:
        errors = []
        for i, ref in enumerate(basis):
            case = self.find(ref.case_id)
            if not isinstance(case, Case):
                errors.append(FieldError(f"basis[{i}].case_id", f"no case {ref.case_id}"))
            elif not 1 <= ref.version <= case.version:
                errors.append(FieldError(f"basis[{i}].version", f"case {case.number} has versions 1 to {case.version}"))
        if errors:
            raise InvalidInput(errors=errors)

    def confirm(self, finding_id: UUID, *, note: str, harm: str | None, ctx: Context) -> Recorded[Any]:
        return self._act(finding_id, ctx, lambda f: f.confirm(note=note, harm=harm, now=ctx.now, actor=ctx.actor))

    def dismiss(self, finding_id: UUID, *, reason: str, ctx: Context) -> Recorded[Any]:
        return self._act(finding_id, ctx, lambda f: f.dismiss(reason=reason, now=ctx.now, actor=ctx.actor))

    def mitigate(self, finding_id: UUID, *, ground: str, effect: str, reason: str, ctx: Context) -> Recorded[Any]:
        return self._act(
            finding_id, ctx, lambda f: f.mitigate(ground=ground, effect=effect, reason=reason, now=ctx.now, actor=ctx.actor)
        )

    def hold_talk(self, finding_id: UUID, *, kind: str, note: str, ctx: Context) -> Recorded[Any]:
        return self._act(
            finding_id, ctx, lambda f: f.hold_talk(kind=kind, note=note, registry=self.registry(), now=ctx.now, actor=ctx.actor)
        )

    def sanction(
        self, finding_id: UUID, *, measures: list[str], responsibility: Responsibility, note: str, ctx: Context
    ) -> Recorded[Any]:
        return self._act(
            finding_id,
            ctx,
            lambda f: f.sanction(
                measures=measures, responsibility=responsibility, note=note, registry=self.registry(), now=ctx.now, actor=ctx.actor
            ),
        )

    def refer(self, finding_id: UUID, *, to: str, reason: str, ctx: Context) -> Recorded[Any]:
        return self._act(finding_id, ctx, lambda f: f.refer(to=to, reason=reason, now=ctx.now, actor=ctx.actor))

    def appeal(self, finding_id: UUID, *, grounds: str, ctx: Context) -> Recorded[Any]:
        return self._act(
            finding_id, ctx, lambda f: f.appeal(grounds=grounds, registry=self.registry(), now=ctx.now, actor=ctx.actor)
        )

    def decide_appeal(
        self, finding_id: UUID, n: int, *, outcome: str, measures: list[str] | None, reason: str, ctx: Context
    ) -> Recorded[Any]:
        def act(finding: Finding) -> None:
            if n != 1:
                raise NotFound("appeal", n)
            finding.decide_appeal(outcome=outcome, measures=measures, reason=reason, now=ctx.now, actor=ctx.actor)

        return self._act(finding_id, ctx, act)

    def _act(self, finding_id: UUID, ctx: Context, act: Callable[[Finding], T]) -> Recorded[T]:
        def decide() -> tuple[list[Finding], T, Finding]:
            finding = self.finding(finding_id, ctx.actor)
            self.check_version(ctx, finding)
            outcome = act(finding)
            return [finding], outcome, finding

        return self.record(ctx, decide)
