"""Where time comes from: the system clock, or a simulated clock that only an admin moves forward.

Nothing below the composition root reads a clock: ``now`` is read here, at the edge, and passed
down. The simulated clock's moves are recorded as events, so a restarted service resumes where
the simulation stood instead of jumping back to ``HOTLINE_CLOCK_START``.
"""

from __future__ import annotations

import threading
from datetime import datetime
from typing import Protocol
from uuid import NAMESPACE_URL, UUID, uuid5
from zoneinfo import ZoneInfo

from eventsourcing.utils import register_topic

from foundation.actors import Actor
from foundation.aggregate import Aggregate, Created, DomainEvent
from foundation.errors import NotAllowedNow

TZ = ZoneInfo("Asia/Shanghai")
"""Every calendar rule is read in Asia/Shanghai, and instants are answered with +08:00."""

SIMULATION_ID: UUID = uuid5(NAMESPACE_URL, "hotline:simulated-clock")


class Clock(Protocol):
    manual: bool

    def now(self) -> datetime: ...


class SystemClock:
    manual = False

    def now(self) -> datetime:
        return datetime.now(TZ)


class ManualClock:
    """Simulated time: starts at a given instant and moves only forward, when told to."""

    manual = True

    def __init__(self, start: datetime) -> None:
        self._now = start.astimezone(TZ)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        return self._now

    def check_forward(self, to: datetime) -> None:
        if to < self._now:
            raise NotAllowedNow(
                "clock", f"simulated clock is at {self._now.isoformat()}; it only moves forward", ["forward"]
            )

    def set(self, to: datetime) -> None:
        with self._lock:
            self.check_forward(to)
            self._now = to.astimezone(TZ)


class SimulatedTime(Aggregate):
    """The record of the simulated clock's moves."""

    now: datetime | None = None

    class Started(Created):
        at: datetime

        def apply(self, sim: SimulatedTime) -> None:
            sim.now = self.at

    class Advanced(DomainEvent):
        to: datetime

        def apply(self, sim: SimulatedTime) -> None:
            sim.now = self.to

    @classmethod
    def begin(cls, at: datetime, actor: Actor) -> SimulatedTime:
        return cls.start(cls.Started, id=SIMULATION_ID, now=at, actor=actor, at=at)

    def advance(self, to: datetime, actor: Actor) -> None:
        self.trigger(self.Advanced, now=to, actor=actor, to=to)


# Stored before the foundation package existed (the class lived in ``hotline.clock``).
register_topic("hotline.clock:SimulatedTime", SimulatedTime)
register_topic("hotline.clock:SimulatedTime.Started", SimulatedTime.Started)
register_topic("hotline.clock:SimulatedTime.Advanced", SimulatedTime.Advanced)
