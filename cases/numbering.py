"""Human case numbers (工单编号): the date of acceptance and a sequence within that day.

The sequence is an aggregate per day that hands out *blocks* of numbers (``Reserved``): a process
takes a block and numbers its next accepts from it in memory, so accepts do not all write one
record and wait for each other. Two processes (or two reservations) never get the same number,
because each block is saved at the counter's next version. Numbers are unique and, within one
process, in the order of acceptance; they are not gap-free: a block a stopped process had not used
up, or a number taken by an accept that was then refused, is never issued. The measures (赣市府办发
〔2022〕25号) ask for no numbering, let alone a gap-free one; nothing counts cases by their numbers
(the figures count events), and the integrity tree, not the numbers, shows that nothing was removed.
Logs from before the blocks hold one ``Issued`` per case; they still load, and blocks continue after.
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
        """One number for one case (logs before blocks were reserved; no longer recorded)."""

        sequence: int
        number: str

        def apply(self, counter: CaseNumbers) -> None:
            counter.issued = self.sequence

    class Reserved(DomainEvent):
        """Numbers ``first`` to ``last`` of the day are given to one process to hand out."""

        first: int
        last: int

        def apply(self, counter: CaseNumbers) -> None:
            counter.issued = self.last

    @classmethod
    def open(cls, now: datetime, actor: Actor) -> CaseNumbers:
        day = local_date(now)
        return cls.start(cls.Opened, id=counter_id(day), now=now, actor=actor, day=day)

    def reserve(self, count: int, *, now: datetime, actor: Actor) -> list[str]:
        """The next ``count`` numbers of the day, recorded as given out."""
        if count < 1:
            raise ValueError("a block holds at least one number")
        first = self.issued + 1
        self.trigger(self.Reserved, now=now, actor=actor, first=first, last=first + count - 1)
        return [self.number(sequence) for sequence in range(first, first + count)]

    def number(self, sequence: int) -> str:
        """``YYYYMMDD`` and the sequence in five digits (e.g. ``2026100800017``)."""
        return f"{self.day:%Y%m%d}{sequence:05d}"
