"""The composition root: builds the store, applications, read models, clock and timekeeper."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from accountability.application import Findings
from accountability.process import RulesProcess
from cases.administration import Administration
from cases.application import Cases
from cases.errors import Unavailable
from hotline.clock import Clock, ManualClock, SystemClock
from hotline.settings import Settings
from hotline.store import Store
from hotline.timekeeper import Timekeeper, resumed_clock
from projections.case_index import CaseIndex
from projections.findings_index import FindingsIndex
from projections.runner import Followers


@dataclass
class Hotline:
    """Everything the API and the CLI use, built once per process."""

    settings: Settings
    store: Store
    clock: Clock
    cases: Cases
    admin: Administration
    findings: Findings
    index: CaseIndex
    findings_index: FindingsIndex
    followers: Followers
    timekeeper: Timekeeper

    def start(self) -> None:
        """Catch up every read model and process, then follow the log live and keep time."""
        self.followers.catch_up()
        if self.settings.run_followers:
            self.followers.start()
            self.timekeeper.start()

    def close(self) -> None:
        self.timekeeper.stop()
        self.followers.stop()
        self.store.close()

    def cases_with_deadlines(self) -> list[UUID]:
        """Cases with a deadline still to lapse, from an index that has caught up with the log."""
        if not self.consistent(self.store.head()):
            raise Unavailable("the case index is catching up; try again shortly")
        return self.index.cases_with_alarms()

    def consistent(self, position: int) -> bool:
        """Read-your-writes: wait (bounded) until everything derived up to ``position`` is visible."""
        if position <= 0:
            return True
        return self.followers.wait(position, self.settings.wait_timeout)


def bootstrap(settings: Settings) -> Hotline:
    store = Store(settings)
    cases = Cases(store)
    admin = Administration(store)
    findings = Findings(store)
    clock = _clock(settings, cases)
    index = CaseIndex(store)
    findings_index = FindingsIndex(store)
    followers = Followers(
        store, [RulesProcess(store, clock), index, findings_index], poll_interval=settings.follower_poll_interval
    )
    followers.setup()
    timekeeper = Timekeeper(
        store=store,
        cases=cases,
        index=index,
        followers=followers,
        clock=clock,
        interval=settings.timekeeper_interval,
        wait_timeout=settings.wait_timeout,
    )
    return Hotline(
        settings=settings,
        store=store,
        clock=clock,
        cases=cases,
        admin=admin,
        findings=findings,
        index=index,
        findings_index=findings_index,
        followers=followers,
        timekeeper=timekeeper,
    )


def _clock(settings: Settings, cases: Cases) -> Clock:
    if settings.clock == "manual":
        start = settings.clock_start or SystemClock().now()
        return ManualClock(resumed_clock(cases, start))
    return SystemClock()
