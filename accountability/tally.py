"""The facts Art. 11(2) counts for one unit and one month, kept as events.

The rules process notes each lapsed handling deadline (and whether it was later justified) on the
tally of the lead unit and the month of the due date, in the same transaction as its tracking, so
the count survives restarts and is never doubled. ``rule_11_2`` then decides from the tally alone.
"""

from __future__ import annotations

from datetime import datetime
from uuid import NAMESPACE_URL, UUID, uuid5

from accountability.rules import OverdueFact
from foundation.actors import Actor
from foundation.aggregate import Aggregate, Created, DomainEvent


def tally_id(unit: str, month: str) -> UUID:
    return uuid5(NAMESPACE_URL, f"hotline:overdue-tally:{unit}:{month}")


class OverdueTally(Aggregate):
    unit: str = ""
    month: str = ""
    facts: dict[str, OverdueFact] = {}

    class Opened(Created):
        unit: str
        month: str

        def apply(self, tally: OverdueTally) -> None:
            tally.unit = self.unit
            tally.month = self.month
            tally.facts = {}

    class FactNoted(DomainEvent):
        fact: OverdueFact

        def apply(self, tally: OverdueTally) -> None:
            tally.facts = {**tally.facts, _key(self.fact): self.fact}

    @classmethod
    def open(cls, unit: str, month: str, *, now: datetime, actor: Actor) -> OverdueTally:
        return cls.start(cls.Opened, id=tally_id(unit, month), now=now, actor=actor, unit=unit, month=month)

    def note(self, fact: OverdueFact, *, now: datetime, actor: Actor) -> bool:
        """Record the fact if it is new or changed (e.g. now justified); False if already known."""
        if self.facts.get(_key(fact)) == fact:
            return False
        self.trigger(self.FactNoted, now=now, actor=actor, fact=fact)
        return True


def _key(fact: OverdueFact) -> str:
    return f"{fact.case_id}|{fact.round}"
