"""The ``Administration`` application: units and staff, the deadline policy, calendar amendments."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from typing import Any
from uuid import UUID

from cases.calendar import Amendment, AmendmentKind
from cases.case import Case
from cases.errors import NotFound
from cases.policy import DeadlinePolicy, PolicyTable
from cases.reference import ReferenceData
from cases.calendar_amendments import CalendarAmendments
from cases.units import Staff, Unit, UnitKind, UnitRegistry
from hotline.application import Context, Recorded


class Administration(ReferenceData):
    def __init__(self, store: Any) -> None:
        super().__init__(store)
        every = store.settings.snapshot_interval
        self.snapshotting_intervals = {UnitRegistry: every, CalendarAmendments: every, DeadlinePolicy: every}

    def register_unit(
        self,
        *,
        unit_id: str,
        name: str,
        kind: UnitKind,
        parent_id: str | None,
        superior_id: str | None,
        ctx: Context,
    ) -> Recorded[Unit]:
        def decide() -> tuple[list[Any], Unit, Any]:
            registry = self.registry(opening_now=ctx.now, opening_actor=ctx.actor)
            unit = registry.register(
                unit_id=unit_id,
                name=name,
                kind=kind,
                parent_id=parent_id,
                superior_id=superior_id,
                now=ctx.now,
                actor=ctx.actor,
            )
            return [registry], unit, registry

        return self.record(ctx, decide)

    def add_staff(
        self,
        unit_id: str,
        *,
        staff_id: str,
        name: str,
        position: str | None,
        responsible_leader: bool,
        ctx: Context,
    ) -> Recorded[Staff]:
        def decide() -> tuple[list[Any], Staff, Any]:
            registry = self.registry(opening_now=ctx.now, opening_actor=ctx.actor)
            member = registry.add_staff(
                unit_id=unit_id,
                staff_id=staff_id,
                name=name,
                position=position,
                responsible_leader=responsible_leader,
                now=ctx.now,
                actor=ctx.actor,
            )
            return [registry], member, registry

        return self.record(ctx, decide)

    def units(self) -> list[Unit]:
        return sorted(self.registry().units.values(), key=lambda unit: unit.id)

    def unit(self, unit_id: str) -> tuple[Unit, list[Staff]]:
        registry = self.registry()
        unit = registry.units.get(unit_id)
        if unit is None:
            raise NotFound("unit", unit_id)
        return unit, registry.staff_of(unit_id)

    def set_policy(self, table: PolicyTable, ctx: Context) -> Recorded[PolicyTable]:
        def decide() -> tuple[list[Any], PolicyTable, Any]:
            policy = self.policy_aggregate()
            if policy is None:
                policy = DeadlinePolicy.create(table, now=ctx.now, actor=ctx.actor)
            else:
                policy.set_table(table, now=ctx.now, actor=ctx.actor)
            return [policy], table, policy

        return self.record(ctx, decide)

    def amend_calendar(
        self,
        year: int,
        *,
        holidays: list[date],
        workdays: list[date],
        kind: AmendmentKind | None,
        reason: str,
        cases_with_deadlines: Callable[[], Iterable[UUID]],
        ctx: Context,
    ) -> Recorded[Amendment]:
        """Record the amendment and, in the same transaction, recount every deadline not yet lapsed."""
        moved_ids: list[str] = []

        def decide() -> tuple[list[Any], Amendment, Any]:
            book = self.calendar_book(opening_now=ctx.now, opening_actor=ctx.actor)
            amendment = book.amend(
                year, holidays=holidays, workdays=workdays, kind=kind, reason=reason, now=ctx.now, actor=ctx.actor
            )
            calendar = book.working_calendar()
            moved = []
            for case_id in cases_with_deadlines():
                case = self.find(case_id)
                if isinstance(case, Case) and case.recompute_deadlines(calendar, now=ctx.now, actor=ctx.actor):
                    moved.append(case)
            moved_ids[:] = [str(case.id) for case in moved]
            return [book, *moved], amendment, book

        recorded = self.record(ctx, decide)
        recorded.extra["recomputed_cases"] = list(moved_ids)
        return recorded
