"""Human case numbers (工单编号): the date of acceptance and a sequence within that day.

The sequence is an aggregate per day, saved in the same transaction as the case it numbers, so
two clerks accepting at once can never get the same number (one of them retries).
"""

from __future__ import annotations

from datetime import date, datetime
from uuid import NAMESPACE_URL, UUID, uuid5

from foundation.actors import Actor
from foundation.aggregate import Aggregate, Created, DomainEvent
from cases.calendar import local_date


def counter_id(day: date) -> UUID:
    return uuid5(NAMESPACE_URL, f"hotline:case-numbers:{day.isoformat()}")


class CaseNumbers(Aggregate):
    day: date = date.min
    issued: int = 0

    class Opened(Created):
        day: date

        def apply(self, counter: CaseNumbers) -> None:
            counter.day = self.day
            counter.issued = 0

    class Issued(DomainEvent):
        sequence: int
        number: str

        def apply(self, counter: CaseNumbers) -> None:
            counter.issued = self.sequence

    @classmethod
    def open(cls, now: datetime, actor: Actor) -> CaseNumbers:
        day = local_date(now)
        return cls.start(cls.Opened, id=counter_id(day), now=now, actor=actor, day=day)

    def issue(self, *, now: datetime, actor: Actor) -> str:
        sequence = self.issued + 1
        number = f"{self.day:%Y%m%d}{sequence:05d}"
        self.trigger(self.Issued, now=now, actor=actor, sequence=sequence, number=number)
        return number
