"""The reference data every case command reads: the unit registry, the deadline policy, the calendar.

Each is one aggregate with a fixed id, read through an application's repository without a copy
(commands only read it) and, for the calendar, kept per version of the amendments so that its
working-day arithmetic is not rebuilt for every command. Before the first change nothing is
stored: reads get an empty registry, the default policy and the calendar without amendments.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from foundation.actors import Actor
from cases.calendar import TZ, WorkingCalendar
from cases.calendar_amendments import CALENDAR_ID, CalendarAmendments
from cases.policy import POLICY_ID, DeadlinePolicy, PolicyTable
from cases.units import REGISTRY_ID, UnitRegistry

IN_FORCE = datetime(2022, 11, 13, tzinfo=TZ)
"""Art. 19: in force from publication, 2022-11-13."""
NOBODY = Actor(staff="system:reference")


class ReferenceData:
    """Reads the registry, the policy and the calendar through ``repository`` (any application's)."""

    def __init__(self, repository: Any) -> None:
        self.repository = repository
        self._calendars: dict[int, WorkingCalendar] = {}

    def _read(self, aggregate_id: UUID) -> Any:
        try:
            return self.repository.get(aggregate_id, deepcopy_from_cache=False)
        except AggregateNotFoundError:
            return None

    def registry(self) -> UnitRegistry:
        return self._read(REGISTRY_ID) or UnitRegistry.open(now=IN_FORCE, actor=NOBODY)

    def policy_aggregate(self) -> DeadlinePolicy | None:
        return self._read(POLICY_ID)

    def policy(self) -> PolicyTable:
        aggregate = self.policy_aggregate()
        return aggregate.table if aggregate is not None else PolicyTable()

    def calendar_book(self) -> CalendarAmendments:
        return self._read(CALENDAR_ID) or CalendarAmendments.open(now=IN_FORCE, actor=NOBODY)

    def calendar(self) -> WorkingCalendar:
        book = self.calendar_book()
        if book.version not in self._calendars:
            self._calendars = {book.version: book.working_calendar()}
        return self._calendars[book.version]
