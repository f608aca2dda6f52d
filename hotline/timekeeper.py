"""The timekeeper: records each deadline lapse (and the Art. 11(1) mark) when it becomes true.

It asks the write side's timers index (kept with every command, never behind the log) which
cases have a fact due by now, and asks each case to record them; a case records a fact only
once (it is no longer pending afterwards) and a concurrent write makes the save fail and the
case be asked again, so a restart, a downtime or two timekeepers never double or lose a fact.
With the system clock it runs by itself every ``HOTLINE_TIMEKEEPER_INTERVAL`` seconds and catches
up on start; with the simulated clock it runs when an admin moves the clock, before the move is
answered.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime

from foundation.application import Changes, Context, Recorded
from foundation.clock import SIMULATION_ID, TZ, Clock, ManualClock, SimulatedTime
from foundation.errors import NotFound
from foundation.timers import Timers
from cases.application import Cases

log = logging.getLogger("hotline.timekeeper")


class Timekeeper:
    def __init__(self, *, cases: Cases, timers: Timers, clock: Clock, interval: float) -> None:
        self.cases = cases
        self.timers = timers
        self.clock = clock
        self.interval = interval
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self.last_error: str | None = None

    def run_until(self, until: datetime, *, stamp: datetime | None) -> int:
        """Record every fact due by ``until`` (stamped ``stamp``, or with its own instant if None)."""
        recorded, after = 0, ""
        while due := self.timers.due(until, after=after):
            for case_id in due:
                recorded += self.cases.record_time_facts(case_id, until=until, now=stamp)
            after = str(due[-1])
        return recorded

    def advance(self, to: datetime, *, ctx: Context) -> Recorded:
        """Move the simulated clock to ``to``, recording every fact on the way first.

        The move itself is a command (kept with its outcome when sent with an ``Idempotency-Key``);
        the facts on the way are recorded case by case before it, each exactly once.
        """
        if not isinstance(self.clock, ManualClock):
            raise NotFound("resource", "the simulated clock (the service runs on the system clock)")
        with self._lock:
            self.clock.check_forward(to)
            recorded = self.run_until(to, stamp=None)

            def decide() -> Changes:
                simulation = self.cases.find(SIMULATION_ID) or SimulatedTime.begin(self.clock.now(), ctx.actor)
                simulation.advance(to, ctx.actor)
                return Changes(simulation, result={"now": to.astimezone(TZ).isoformat(), "recorded": recorded})

            moved = self.cases.record(ctx, decide)
            self.clock.set(to)
            return moved

    def start(self) -> None:
        """Run by itself against the system clock (catching up at once)."""
        if self.clock.manual or self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name="timekeeper", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                with self._lock:
                    now = self.clock.now()
                    self.run_until(now, stamp=now)
                self.last_error = None
            except Exception as error:  # noqa: BLE001 - keep ticking; reported by /health
                self.last_error = f"{type(error).__name__}: {error}"
                log.exception("timekeeper tick failed")
            self._stopping.wait(self.interval)

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
