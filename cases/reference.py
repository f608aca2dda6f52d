"""Loading the reference data every case command needs: units, deadline policy, calendar.

Each is one aggregate with a fixed id. Before the first change there is nothing stored: reads
get an empty registry, the default policy and the calendar without amendments; the first change
opens the aggregate, stamped with that change's instant and actor.
"""

from __future__ import annotations

from datetime import datetime

from cases.actors import Actor
from cases.calendar import TZ, WorkingCalendar
from cases.calendar_amendments import CALENDAR_ID, CalendarAmendments
from cases.policy import POLICY_ID, DeadlinePolicy, PolicyTable
from cases.units import REGISTRY_ID, UnitRegistry
from hotline.application import HotlineApplication

IN_FORCE = datetime(2022, 11, 13, tzinfo=TZ)
"""Art. 19: in force from publication, 2022-11-13."""
NOBODY = Actor(staff="system:reference")


class ReferenceData(HotlineApplication):
    """Reads the unit registry, the deadline policy and the calendar for commands and queries."""

    def registry(self, *, opening_now: datetime | None = None, opening_actor: Actor | None = None) -> UnitRegistry:
        found = self.find(REGISTRY_ID)
        if found is not None:
            return found
        return UnitRegistry.open(now=opening_now or IN_FORCE, actor=opening_actor or NOBODY)

    def policy_aggregate(self) -> DeadlinePolicy | None:
        return self.find(POLICY_ID)

    def policy(self) -> PolicyTable:
        aggregate = self.policy_aggregate()
        return aggregate.table if aggregate is not None else PolicyTable()

    def calendar_book(self, *, opening_now: datetime | None = None, opening_actor: Actor | None = None) -> CalendarAmendments:
        found = self.find(CALENDAR_ID)
        if found is not None:
            return found
        return CalendarAmendments.open(now=opening_now or IN_FORCE, actor=opening_actor or NOBODY)

    def calendar(self) -> WorkingCalendar:
        return self.calendar_book().working_calendar()
