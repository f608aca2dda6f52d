"""The reference data every case command reads: the unit registry, the deadline policy, the calendar.

Each is one aggregate with a fixed id, read through an application's repository without a copy
(commands only read it) and, for the calendar, kept per version of the amendments so that its
working-day arithmetic is not rebuilt for every command. Before the first change nothing is
stored: reads get an empty registry, the default policy and the calendar without amendments.

A command that needs several of them reads them together (``now()``): one query for their current
versions, and the aggregates kept from the last read while those versions have not moved (reference
data changes a few times a year; a dispatch needs all three). Each one alone is read through the
repository as before (its cache, and one query for events after the cached version).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
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


Versions = Callable[[Sequence[UUID]], dict[UUID, int]]
"""The current version of each aggregate id that has events (``CommandRecords.versions_of``)."""


@dataclass(frozen=True)
class Reference:
    """The registry, the policy and the calendar as they stood at one read."""

    registry: UnitRegistry
    policy: PolicyTable
    calendar: WorkingCalendar


class ReferenceData:
    """Reads the registry, the policy and the calendar through ``repository`` (any application's)."""

    def __init__(self, repository: Any, versions: Versions | None = None) -> None:
        self.repository = repository
        self._versions = versions
        self._kept: dict[UUID, Any] = {}
        self._calendars: dict[int, WorkingCalendar] = {}

    def now(self) -> Reference:
        """All three at their current versions, for a command that needs them together."""
        if self._versions is None:
            return Reference(self.registry(), self.policy(), self.calendar())
        versions = self._versions([REGISTRY_ID, POLICY_ID, CALENDAR_ID])
        registry = self._current(REGISTRY_ID, versions) or UnitRegistry.open(now=IN_FORCE, actor=NOBODY)
        policy = self._current(POLICY_ID, versions)
        book = self._current(CALENDAR_ID, versions) or CalendarAmendments.open(now=IN_FORCE, actor=NOBODY)
        return Reference(registry, policy.table if policy is not None else PolicyTable(), self._working(book))

    def _current(self, aggregate_id: UUID, versions: dict[UUID, int]) -> Any:
        """The kept aggregate if it is at ``versions``' version, else read again (and kept)."""
        if aggregate_id not in versions:
            return None
        kept = self._kept.get(aggregate_id)
        if kept is not None and kept.version >= versions[aggregate_id]:
            return kept
        aggregate = self._read(aggregate_id)
        self._kept[aggregate_id] = aggregate
        return aggregate

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
        return self._working(self.calendar_book())

    def _working(self, book: CalendarAmendments) -> WorkingCalendar:
        """The working-day arithmetic of the book's version (built once per version)."""
        if book.version not in self._calendars:
            self._calendars = {book.version: book.working_calendar()}
        return self._calendars[book.version]
