"""The ``Administration`` application: units and staff, the deadline policy, calendar amendments."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from foundation.application import BaseApplication, Changes, Context, Recorded
from foundation.errors import NotFound
from foundation.store import Store
from foundation.timers import Timers
from cases.calendar import AmendmentKind, WorkingCalendar
from cases.calendar_amendments import CALENDAR_ID, CalendarAmendments
from cases.case import Case
from cases.delays import recompute_deadlines
from cases.policy import POLICY_ID, DeadlinePolicy, PolicyTable
from cases.reference import ReferenceData
from cases.units import REGISTRY_ID, Staff, Unit, UnitKind, UnitRegistry


class Administration(BaseApplication):
    def __init__(self, store: Store, *, timers: Timers, snapshot_interval: int = 50) -> None:
        every = snapshot_interval
        super().__init__(
            store, snapshot_every={UnitRegistry: every, CalendarAmendments: every, DeadlinePolicy: every}, kept=[timers]
        )
        self.timers = timers
        self.reference = ReferenceData(self.repository)

    # ------------------------------------------------------------ queries

    def units(self) -> list[Unit]:
        return sorted(self.reference.registry().units.values(), key=lambda unit: unit.id)

    def unit(self, unit_id: str) -> tuple[Unit, list[Staff]]:
        registry = self.reference.registry()
        unit = registry.units.get(unit_id)
        if unit is None:
            raise NotFound("unit", unit_id)
        return unit, registry.staff_of(unit_id)

    def policy(self) -> PolicyTable:
        return self.reference.policy()

    def calendar(self, version: int | None = None) -> WorkingCalendar:
        """The calendar now, or at a version of the amendments (what a past answer was counted with)."""
        if version is None:
            return self.reference.calendar()
        if not version:
            return WorkingCalendar()
        return self.load(CALENDAR_ID, "calendar", version=version).working_calendar()

    # ----------------------------------------------------------- commands

    def register_unit(
        self, *, unit_id: str, name: str, kind: UnitKind, parent_id: str | None = None, superior_id: str | None = None, ctx: Context
    ) -> Recorded:
        def change(registry: UnitRegistry) -> Unit:
            return registry.register(
                unit_id=unit_id, name=name, kind=kind, parent_id=parent_id, superior_id=superior_id, now=ctx.now, actor=ctx.actor
            )

        return self._on_registry(ctx, change)

    def add_staff(
        self, unit_id: str, *, staff_id: str, name: str, position: str | None = None, responsible_leader: bool = False, ctx: Context
    ) -> Recorded:
        def change(registry: UnitRegistry) -> Staff:
            return registry.add_staff(
                unit_id=unit_id, staff_id=staff_id, name=name, position=position, responsible_leader=responsible_leader,
                now=ctx.now, actor=ctx.actor,
            )

        return self._on_registry(ctx, change)

    def set_policy(self, table: PolicyTable, *, ctx: Context) -> Recorded:
        def decide() -> Changes:
            policy = self.find(POLICY_ID)
            if policy is None:
                policy = DeadlinePolicy.create(table, now=ctx.now, actor=ctx.actor)
            else:
                policy.set_table(table, now=ctx.now, actor=ctx.actor)
            return Changes(policy, result=table.model_dump(mode="json"))

        return self.record(ctx, decide)

    def amend_calendar(
        self, year: int, *, holidays: list[date], workdays: list[date], kind: AmendmentKind | None = None, reason: str = "", ctx: Context
    ) -> Recorded:
        """Record the amendment and, in the same transaction, recount every deadline not yet lapsed.

        The cases to recount come from the write side's timers (kept with every command), never
        from a read model. The outcome's result lists the cases whose deadlines moved.
        """

        def decide() -> Changes:
            book = self.find(CALENDAR_ID) or CalendarAmendments.open(now=ctx.now, actor=ctx.actor)
            amendment = book.amend(year, holidays=holidays, workdays=workdays, kind=kind, reason=reason, now=ctx.now, actor=ctx.actor)
            calendar = book.working_calendar()
            moved = [
                case
                for case_id in self.timers.pending()
                if isinstance(case := self.find(case_id), Case) and recompute_deadlines(case, calendar, now=ctx.now, actor=ctx.actor)
            ]
            result = {"amendment": amendment.model_dump(mode="json"), "recomputed_cases": [str(case.id) for case in moved]}
            return Changes(book, others=moved, result=result)

        return self.record(ctx, decide)

    def _on_registry(self, ctx: Context, change: Callable[[UnitRegistry], Unit | Staff]) -> Recorded:
        def decide() -> Changes:
            registry = self.find(REGISTRY_ID) or UnitRegistry.open(now=ctx.now, actor=ctx.actor)
            return Changes(registry, result=change(registry).model_dump(mode="json"))

        return self.record(ctx, decide)
