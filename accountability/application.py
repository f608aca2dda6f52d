"""The ``Findings`` application: raising findings by hand and every decision on them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID, uuid4

from foundation.actors import Actor
from foundation.application import BaseApplication, Changes, Context, Recorded
from foundation.errors import FieldError, Forbidden, InvalidInput, NotFound
from foundation.store import Store
from accountability.finding import OVERSIGHT, BasisRef, Finding, Responsibility, Subject
from cases.case import Case
from cases.reference import ReferenceData


class Findings(BaseApplication):
    def __init__(self, store: Store, *, snapshot_interval: int = 50) -> None:
        super().__init__(store, snapshot_every={Finding: snapshot_interval})
        self.reference = ReferenceData(self.repository)

    # ------------------------------------------------------------ queries

    def finding(self, finding_id: UUID, actor: Actor) -> Finding:
        finding = self.find(finding_id)
        if not isinstance(finding, Finding) or not finding.visible_to(actor, self.reference.registry()):
            raise NotFound("finding", finding_id)
        return finding

    def visible_basis(self, finding: Finding, actor: Actor) -> set[UUID]:
        """The basis cases of ``finding`` the principal may see (a review or an export shows only those)."""
        cases = {ref.case_id: self.find(ref.case_id) for ref in finding.basis}
        return {case_id for case_id, case in cases.items() if isinstance(case, Case) and case.visible_to(actor)}

    def list_scope(self, actor: Actor, *, unit: str | None, staff: str | None) -> tuple[tuple[str, ...] | None, str | None]:
        """Which subjects a findings list may show: oversight all, a unit its subtree, a person their own."""
        if OVERSIGHT.intersection(actor.roles):
            return ((unit,) if unit else None), staff
        if actor.is_unit_member and actor.unit:
            allowed = self.reference.registry().subtree(actor.unit)
            if unit is not None and unit not in allowed:
                raise Forbidden("a unit sees the findings on itself and its subordinate units")
            return ((unit,) if unit else tuple(allowed)), staff
        if staff not in (None, actor.staff):
            raise Forbidden("you see the findings on yourself")
        return ((unit,) if unit else None), actor.staff

    # ----------------------------------------------------------- commands

    def raise_finding(self, *, clause: str, subject: Subject, basis: list[BasisRef], description: str, ctx: Context) -> Recorded:
        new_id = uuid4()

        def decide() -> Changes:
            self._check_basis(basis, ctx.actor)
            finding = Finding.raise_by_hand(
                new_id, clause=clause, subject=subject, basis=basis, description=description,
                registry=self.reference.registry(), now=ctx.now, actor=ctx.actor,
            )
            return Changes(finding)

        return self.record(ctx, decide)

    def _check_basis(self, basis: list[BasisRef], actor: Actor) -> None:
        """A basis cites only cases the principal may see; one it may not see is answered as one that does not exist."""
        errors = []
        for i, ref in enumerate(basis):
            case = self.find(ref.case_id)
            if not isinstance(case, Case) or not case.visible_to(actor):
                errors.append(FieldError(f"basis[{i}].case_id", f"no case {ref.case_id}"))
            elif not 1 <= ref.version <= case.version:
                errors.append(FieldError(f"basis[{i}].version", f"case {case.number} has versions 1 to {case.version}"))
        if errors:
            raise InvalidInput(errors=errors)

    def confirm(self, finding_id: UUID, *, note: str = "", harm: str | None = None, ctx: Context) -> Recorded:
        return self._on_finding(finding_id, ctx, Finding.confirm, note=note, harm=harm)

    def dismiss(self, finding_id: UUID, *, reason: str, ctx: Context) -> Recorded:
        return self._on_finding(finding_id, ctx, Finding.dismiss, reason=reason)

    def mitigate(self, finding_id: UUID, *, ground: str, effect: str, reason: str, ctx: Context) -> Recorded:
        return self._on_finding(finding_id, ctx, Finding.mitigate, ground=ground, effect=effect, reason=reason)

    def hold_talk(self, finding_id: UUID, *, kind: str, note: str, ctx: Context) -> Recorded:
        return self._on_finding(finding_id, ctx, Finding.hold_talk, kind=kind, note=note, registry=self.reference.registry())

    def sanction(
        self, finding_id: UUID, *, measures: list[str], responsibility: Responsibility, staff: str | None = None, note: str = "", ctx: Context
    ) -> Recorded:
        return self._on_finding(
            finding_id, ctx, Finding.sanction, measures=measures, responsibility=responsibility, staff=staff, note=note,
            registry=self.reference.registry(),
        )

    def refer(self, finding_id: UUID, *, to: str, reason: str, ctx: Context) -> Recorded:
        return self._on_finding(finding_id, ctx, Finding.refer, to=to, reason=reason)

    def appeal(self, finding_id: UUID, *, grounds: str, sanction: int | None = None, ctx: Context) -> Recorded:
        return self._on_finding(finding_id, ctx, Finding.appeal, grounds=grounds, sanction=sanction)

    def decide_appeal(
        self, finding_id: UUID, number: int, *, outcome: str, measures: list[str] | None = None, reason: str, ctx: Context
    ) -> Recorded:
        return self._on_finding(finding_id, ctx, Finding.decide_appeal, number, outcome=outcome, measures=measures, reason=reason)

    def _on_finding(self, finding_id: UUID, ctx: Context, command: Callable[..., Any], *args: Any, **kwargs: Any) -> Recorded:
        """Load the finding the principal may see, check ``If-Match``, run ``command`` on it, save."""

        def decide() -> Changes:
            finding = self.finding(finding_id, ctx.actor)
            self.check_version(ctx, finding)
            command(finding, *args, **kwargs, now=ctx.now, actor=ctx.actor)
            return Changes(finding)

        return self.record(ctx, decide, turn=finding_id)
