"""The deadline policy (办理时限): handling working days and emergency response hours by category.

The measures take the handling deadline as given; it comes from the center's operating rules,
so it is a table the center edits, and every change is an event.
"""

from __future__ import annotations

from datetime import datetime
from uuid import NAMESPACE_URL, UUID, uuid5

from pydantic import BaseModel, ConfigDict, Field

from foundation.actors import Actor
from foundation.aggregate import Aggregate, Created, DomainEvent
from cases.values import Urgency

POLICY_ID: UUID = uuid5(NAMESPACE_URL, "hotline:deadline-policy")
DEFAULT_WORKING_DAYS = 5
DEFAULT_EMERGENCY_RESPONSE_HOURS = 2


class CategoryRule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    working_days: int = Field(ge=1, le=60)
    urgent_working_days: int | None = Field(default=None, ge=1, le=60)
    emergency_response_hours: int | None = Field(default=None, ge=1, le=72)


class PolicyTable(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    default_working_days: int = Field(default=DEFAULT_WORKING_DAYS, ge=1, le=60)
    default_emergency_response_hours: int = Field(default=DEFAULT_EMERGENCY_RESPONSE_HOURS, ge=1, le=72)
    categories: dict[str, CategoryRule] = {}

    def working_days(self, category: str, urgency: Urgency) -> tuple[int, str]:
        """Working days for a case of ``category`` and ``urgency``, and where the number came from."""
        rule = self.categories.get(category)
        if rule is None:
            return self.default_working_days, "deadline policy default"
        if urgency != "normal" and rule.urgent_working_days is not None:
            return rule.urgent_working_days, f"deadline policy, category '{category}', {urgency}"
        return rule.working_days, f"deadline policy, category '{category}'"

    def response_hours(self, category: str) -> tuple[int, str]:
        rule = self.categories.get(category)
        if rule is None or rule.emergency_response_hours is None:
            return self.default_emergency_response_hours, "deadline policy default"
        return rule.emergency_response_hours, f"deadline policy, category '{category}'"


class DeadlinePolicy(Aggregate):
    table: PolicyTable = PolicyTable()

    class Started(Created):
        table: PolicyTable

        def apply(self, policy: DeadlinePolicy) -> None:
            policy.table = self.table

    class TableSet(DomainEvent):
        table: PolicyTable

        def apply(self, policy: DeadlinePolicy) -> None:
            policy.table = self.table

    @classmethod
    def create(cls, table: PolicyTable, *, now: datetime, actor: Actor) -> DeadlinePolicy:
        return cls.start(cls.Started, id=POLICY_ID, now=now, actor=actor, table=table)

    def set_table(self, table: PolicyTable, *, now: datetime, actor: Actor) -> None:
        self.trigger(self.TableSet, now=now, actor=actor, table=table)
