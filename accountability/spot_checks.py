"""Spot checks (抽查, Art. 3): a recorded, reproducible random sample of cases for the city government.

The sample is drawn from a scope (month or year of acceptance, a unit the case was dispatched to,
a status) as the case index stood at one log position. The draw is a pure function of the scope's
case ids and the seed: each id is ranked by SHA-256 of ``"<seed>:<case id>"`` and the ``size``
lowest ranks are the sample. So the same seed over the same scope gives the same sample, in any
order the ids come in and on any machine, and anyone can check one case's place in it. The event
keeps the scope, the seed, the position the scope was read at, how many cases were in it and a
digest of their sorted ids, and the sample itself.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime
from uuid import UUID

from foundation.actors import Actor
from foundation.aggregate import Aggregate, Created, Value

MAX_SIZE = 1000


class SpotScope(Value):
    """Which cases a spot check draws from (each filter optional)."""

    period: str | None = None
    """``YYYY-MM`` or ``YYYY``: the month or year the case was accepted."""
    unit: str | None = None
    """A unit the case was dispatched to (lead or co-unit, any round)."""
    status: str | None = None


def rank(seed: int, case_id: str) -> str:
    return hashlib.sha256(f"{seed}:{case_id}".encode()).hexdigest()


def draw(case_ids: Iterable[str], seed: int, size: int) -> tuple[str, ...]:
    """The ``size`` case ids with the lowest rank under ``seed`` (ties, never in practice, by id)."""
    return tuple(sorted(set(case_ids), key=lambda case_id: (rank(seed, case_id), case_id))[:size])


def scope_digest(case_ids: Iterable[str]) -> str:
    """SHA-256 of the scope's sorted case ids, one per line: what the sample was drawn from."""
    return hashlib.sha256("\n".join(sorted(set(case_ids))).encode()).hexdigest()


class SpotCheck(Aggregate):
    scope: SpotScope = SpotScope()
    seed: int = 0
    size: int = 0
    as_of: int = 0
    population: int = 0
    digest: str = ""
    cases: tuple[UUID, ...] = ()
    drawn_at: datetime | None = None
    drawn_by: str = ""

    class Drawn(Created):
        """A sample drawn: the scope and seed, the position the scope was read at, and what was drawn."""

        scope: SpotScope
        seed: int
        size: int
        as_of: int
        population: int
        digest: str
        cases: tuple[UUID, ...]

        def apply(self, check: SpotCheck) -> None:
            check.scope = self.scope
            check.seed = self.seed
            check.size = self.size
            check.as_of = self.as_of
            check.population = self.population
            check.digest = self.digest
            check.cases = self.cases
            check.drawn_at = self.timestamp
            check.drawn_by = self.actor.staff

    @classmethod
    def take(
        cls, check_id: UUID, *, scope: SpotScope, seed: int, size: int, case_ids: list[str], as_of: int, now: datetime, actor: Actor
    ) -> SpotCheck:
        sample = draw(case_ids, seed, size)
        return cls.start(
            cls.Drawn, id=check_id, now=now, actor=actor, scope=scope, seed=seed, size=size, as_of=as_of,
            population=len(set(case_ids)), digest=scope_digest(case_ids), cases=tuple(UUID(c) for c in sample),
        )
