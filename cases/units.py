"""The unit registry: the tree of the center, member units, non-member units and internal bodies, and their staff.

Who may handle a case, who is a unit's superior (Art. 17) and who may impose measures on whom
(Art. 4: a unit on its own subordinate units, internal bodies and staff) all depend on it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal, get_args
from uuid import NAMESPACE_URL, UUID, uuid5

from foundation.actors import Actor
from foundation.aggregate import Aggregate, Created, DomainEvent, Value
from foundation.errors import AlreadyExists, FieldError, InvalidInput, NotFound

REGISTRY_ID: UUID = uuid5(NAMESPACE_URL, "hotline:unit-registry")

UnitKind = Literal["center", "member", "non_member", "internal"]
UNIT_KINDS: tuple[str, ...] = get_args(UnitKind)
HANDLING_KINDS: frozenset[str] = frozenset({"member", "non_member", "internal"})


class Unit(Value):
    id: str
    name: str
    kind: UnitKind
    parent_id: str | None = None
    superior_id: str | None = None
    registered_at: datetime


class Staff(Value):
    id: str
    name: str
    unit_id: str
    position: str | None = None
    responsible_leader: bool = False
    """The unit's responsible leader (分管领导), to whom Art. 7(1) urgings are addressed."""


class UnitRegistry(Aggregate):
    units: dict[str, Unit] = {}
    staff: dict[str, Staff] = {}

    class Opened(Created):
        def apply(self, registry: UnitRegistry) -> None:
            registry.units = {}
            registry.staff = {}

    class UnitRegistered(DomainEvent):
        unit: Unit

        def apply(self, registry: UnitRegistry) -> None:
            registry.units = {**registry.units, self.unit.id: self.unit}

    class StaffAdded(DomainEvent):
        member: Staff

        def apply(self, registry: UnitRegistry) -> None:
            registry.staff = {**registry.staff, self.member.id: self.member}

    @classmethod
    def open(cls, *, now: datetime, actor: Actor) -> UnitRegistry:
        return cls.start(cls.Opened, id=REGISTRY_ID, now=now, actor=actor)

    def unit(self, unit_id: str) -> Unit:
        try:
            return self.units[unit_id]
        except KeyError:
            raise NotFound("unit", unit_id) from None

    def register(
        self,
        *,
        unit_id: str,
        name: str,
        kind: UnitKind,
        parent_id: str | None,
        superior_id: str | None,
        now: datetime,
        actor: Actor,
    ) -> Unit:
        if unit_id in self.units:
            raise AlreadyExists(f"unit {unit_id} is already registered")
        errors = self._tree_errors(kind, parent_id, superior_id)
        if errors:
            raise InvalidInput(errors=errors)
        unit = Unit(
            id=unit_id, name=name, kind=kind, parent_id=parent_id, superior_id=superior_id, registered_at=now
        )
        self.trigger(self.UnitRegistered, now=now, actor=actor, unit=unit)
        return unit

    def _tree_errors(self, kind: str, parent_id: str | None, superior_id: str | None) -> list[FieldError]:
        errors = []
        if kind == "internal" and parent_id is None:
            errors.append(FieldError("parent_id", "an internal body or subordinate unit needs its parent unit"))
        if parent_id is not None and parent_id not in self.units:
            errors.append(FieldError("parent_id", f"unknown unit '{parent_id}'"))
        if superior_id is not None and superior_id not in self.units:
            errors.append(FieldError("superior_id", f"unknown unit '{superior_id}'"))
        return errors

    def add_staff(
        self,
        *,
        unit_id: str,
        staff_id: str,
        name: str,
        position: str | None,
        responsible_leader: bool,
        now: datetime,
        actor: Actor,
    ) -> Staff:
        self.unit(unit_id)
        if staff_id in self.staff:
            raise AlreadyExists(f"staff {staff_id} is already registered")
        member = Staff(
            id=staff_id, name=name, unit_id=unit_id, position=position, responsible_leader=responsible_leader
        )
        self.trigger(self.StaffAdded, now=now, actor=actor, member=member)
        return member

    def staff_of(self, unit_id: str) -> list[Staff]:
        return [s for s in self.staff.values() if s.unit_id == unit_id]

    def responsible_leader(self, unit_id: str) -> Staff | None:
        return next((s for s in self.staff_of(unit_id) if s.responsible_leader), None)

    def handling_unit(self, unit_id: str, field: str) -> Unit:
        """A unit a case can be handed to (not the center), or a 422 naming ``field``."""
        unit = self.units.get(unit_id)
        if unit is None:
            raise InvalidInput(field, f"unknown unit '{unit_id}'")
        if unit.kind not in HANDLING_KINDS:
            allowed = ", ".join(sorted(HANDLING_KINDS))
            raise InvalidInput(field, f"unit '{unit_id}' is a {unit.kind}; cases go to: {allowed}")
        return unit

    def ancestors(self, unit_id: str) -> list[str]:
        """The chain of parents above ``unit_id``, nearest first."""
        chain, current = [], self.units.get(unit_id)
        while current is not None and current.parent_id is not None and current.parent_id not in chain:
            chain.append(current.parent_id)
            current = self.units.get(current.parent_id)
        return chain

    def subtree(self, unit_id: str) -> list[str]:
        """``unit_id`` and every unit below it (its internal bodies and subordinate units)."""
        return [unit_id] + [u for u in self.units if unit_id in self.ancestors(u)]
