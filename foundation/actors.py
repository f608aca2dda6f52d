"""Who acts: the principal recorded on every event (staff id, unit, roles)."""

from __future__ import annotations

from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict

Role = Literal[
    "agent", "center", "unit_handler", "unit_leader", "city_gov", "discipline", "auditor", "admin"
]
ROLES: tuple[str, ...] = get_args(Role)
UNIT_ROLES: frozenset[str] = frozenset({"unit_handler", "unit_leader"})


class Actor(BaseModel):
    """The staff member (or system process) behind an event, with the unit and roles it acted in."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    staff: str
    unit: str | None = None
    roles: tuple[Role, ...] = ()

    def has(self, *roles: str) -> bool:
        return any(role in self.roles for role in roles)

    @property
    def is_unit_member(self) -> bool:
        """Acts for a handling unit (as handler or leader), so sees only that unit's cases."""
        return bool(UNIT_ROLES.intersection(self.roles)) and not self.has("center", "agent")


def system(process: str) -> Actor:
    """The actor for events a system process records (timekeeper, rules)."""
    return Actor(staff=f"system:{process}", unit=None, roles=())
