"""The center's amendments of the working-day calendar, kept as events.

Every deadline records the version of this aggregate it was computed with, so a past deadline
can be recomputed with the calendar that was in force, and a new amendment can recompute the
deadlines that have not lapsed yet.
"""

from __future__ import annotations

from datetime import datetime
from uuid import NAMESPACE_URL, UUID, uuid5

from foundation.actors import Actor
from foundation.aggregate import Aggregate, Created, DomainEvent
from cases.calendar import Amendment, AmendmentKind, WorkingCalendar, official_years
from foundation.errors import FieldError, InvalidInput

CALENDAR_ID: UUID = uuid5(NAMESPACE_URL, "hotline:working-calendar")


class CalendarAmendments(Aggregate):
    amendments: dict[int, Amendment] = {}

    class Opened(Created):
        def apply(self, book: CalendarAmendments) -> None:
            book.amendments = {}

    class Amended(DomainEvent):
        amendment: Amendment

        def apply(self, book: CalendarAmendments) -> None:
            book.amendments = {**book.amendments, self.amendment.year: self.amendment}

    @classmethod
    def open(cls, *, now: datetime, actor: Actor) -> CalendarAmendments:
        return cls.start(cls.Opened, id=CALENDAR_ID, now=now, actor=actor)

    def working_calendar(self) -> WorkingCalendar:
        return WorkingCalendar(self.amendments, version=self.version)

    def amend(
        self,
        year: int,
        *,
        holidays: list,
        workdays: list,
        kind: AmendmentKind | None,
        reason: str,
        now: datetime,
        actor: Actor,
    ) -> Amendment:
        """Record the year's arrangement as the center now states it (replaces its earlier amendment)."""
        errors = [
            FieldError(f"{name}[{i}]", f"{day.isoformat()} is not in {year}")
            for name, days in (("holidays", holidays), ("workdays", workdays))
            for i, day in enumerate(days)
            if day.year != year
        ]
        errors += [
            FieldError("workdays", f"{day.isoformat()} is listed both as a holiday and a working day")
            for day in sorted(set(holidays) & set(workdays))
        ]
        if errors:
            raise InvalidInput(errors=errors)
        amendment = Amendment(
            year=year,
            kind=kind or ("local" if year in official_years() else "state_council"),
            holidays=tuple(sorted(set(holidays))),
            workdays=tuple(sorted(set(workdays))),
            reason=reason,
        )
        self.trigger(self.Amended, now=now, actor=actor, amendment=amendment)
        return amendment
