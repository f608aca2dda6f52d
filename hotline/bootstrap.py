"""The composition root: builds the store, applications, read models, followers, clock and timekeeper.

Nothing is built at import time; ``bootstrap(settings)`` wires one ``Hotline`` per process, and
everything below it receives what it needs.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from uuid import UUID

from eventsourcing.persistence import Tracking
from eventsourcing.utils import get_topic

from foundation.clock import SIMULATION_ID, Clock, ManualClock, SimulatedTime, SystemClock
from foundation.health import FollowerHealth
from foundation.projection import Followers
from foundation.setaside import Operations
from foundation.store import Store, StoreConfig
from foundation.timers import BUILT, Timers
from accountability.application import Findings
from accountability.oversight import Oversight
from accountability.process import RulesProcess
from accountability.rules import REVISION
from cases.administration import Administration
from cases.application import Cases, case_timers
from cases.case import Case
from cases.events import Accepted
from hotline.settings import Settings
from hotline.timekeeper import Timekeeper
from projections.case_index import CaseIndex, CaseIndexView
from projections.findings_index import FindingsIndex, FindingsIndexView
from replay.audit import Audit
from replay.heads import Heads, Notary, Signer
from replay.tree import IntegrityTree, TreeView
from projections.reports import Reports
from projections.scorecards import Scorecards, ScorecardView
from projections.spot_checks import SpotChecks, SpotCheckView


log = logging.getLogger("hotline.followers")


@dataclass
class Hotline:
    """Everything the API and the CLI use, built once per process."""

    settings: Settings
    store: Store
    clock: Clock
    timers: Timers
    cases: Cases
    admin: Administration
    findings: Findings
    rules: RulesProcess
    index: CaseIndexView
    findings_index: FindingsIndexView
    followers: Followers
    timekeeper: Timekeeper
    audit: Audit
    operations: Operations
    oversight: Oversight
    scorecards: ScorecardView
    reports: Reports
    spot_checks: SpotCheckView
    notary: Notary | None = None

    def start(self) -> None:
        """Catch up every read model and process, then follow the log live, keep time and sign tree heads.

        With the followers in threads (``embedded``: the server, the worker) a failure to catch up does
        not stop the process: each follower goes on from its position in its thread, where a poison
        event is retried, reported (``/health``, a worker's reports) and set aside by decision.
        """
        if self.settings.followers == "external":
            self.followers.listen()  # the followers run in another process: hear when it records positions
            return
        if self.settings.followers != "embedded":
            self.followers.catch_up()
            return
        try:
            self.followers.catch_up()
        except Exception:  # noqa: BLE001 - a poison event, the store away: the threads retry it and report it (/health)
            log.exception("the followers could not catch up at start; each goes on from its position in its thread")
        self.followers.start()
        self.timekeeper.start()
        if self.notary is not None:
            self.notary.sign_if_grown()
            self.notary.start(self.settings.audit_head_interval)

    def close(self) -> None:
        if self.notary is not None:
            self.notary.stop()
        self.timekeeper.stop()
        self.followers.stop()
        self.store.close()

    def consistent(self, position: int) -> bool:
        """Read-your-writes: wait (bounded) until everything derived up to ``position`` is visible."""
        if position <= 0:
            return True
        return self.followers.wait(position, self.settings.wait_timeout)


def bootstrap(settings: Settings) -> Hotline:
    store = Store(
        StoreConfig(
            target=settings.database,
            cipher_key=settings.cipher_key,
            cache_size=settings.cache_size,
            poll_interval=settings.follower_poll_interval,
        )
    )
    every = settings.snapshot_interval
    timers = Timers(store.sql, case_timers)
    timers.setup()
    cases = Cases(store, timers=timers, snapshot_interval=every)
    clock = _clock(settings, cases)
    rules = RulesProcess(store, clock, snapshot_interval=every)
    index = CaseIndexView(store)
    findings_index = FindingsIndexView(store)
    tree = TreeView(store)
    scorecards = ScorecardView(store)
    spot_checks = SpotCheckView(store)
    followers = Followers(
        store,
        [rules, CaseIndex(index), FindingsIndex(findings_index), Scorecards(scorecards), SpotChecks(spot_checks), IntegrityTree(tree)],
        inline=settings.followers == "inline",
        linger=settings.follower_linger,
        health=FollowerHealth(store.sql),
    )
    if settings.followers != "external":
        followers.setup()
        _build_timers_once(store, cases, timers)
        _reassess_once(store, rules)
    findings = Findings(store, snapshot_interval=every)
    heads = Heads(store.sql)
    heads.setup()
    notary = None
    if settings.audit_key is not None:
        signer = Signer.load(settings.audit_key, settings.audit_origin)
        notary = Notary(size=tree.size, root=tree.root, heads=heads, signer=signer, now=clock.now)
    audit = Audit(
        store=store, tree=tree, heads=heads, notary=notary, cases=cases, findings=findings,
        wait=lambda position: followers.wait(position, settings.wait_timeout), now=clock.now, origin=settings.audit_origin,
    )
    return Hotline(
        settings=settings,
        store=store,
        clock=clock,
        timers=timers,
        cases=cases,
        admin=Administration(store, timers=timers, snapshot_interval=every),
        findings=findings,
        rules=rules,
        index=index,
        findings_index=findings_index,
        followers=followers,
        timekeeper=Timekeeper(cases=cases, timers=timers, clock=clock, interval=settings.timekeeper_interval),
        oversight=Oversight(store, scope=index.scope, snapshot_interval=every),
        scorecards=scorecards,
        reports=Reports(scorecards),
        spot_checks=spot_checks,
        audit=audit,
        notary=notary,
        operations=Operations(store),
    )


def _clock(settings: Settings, cases: Cases) -> Clock:
    if settings.clock != "manual":
        return SystemClock()
    start = settings.clock_start or SystemClock().now()
    simulation = cases.find(SIMULATION_ID)
    if isinstance(simulation, SimulatedTime) and simulation.now is not None and simulation.now > start:
        start = simulation.now  # a restarted simulation resumes where it stood
    return ManualClock(start)


def _build_timers_once(store: Store, cases: Cases, timers: Timers) -> None:
    """A log written before the timers index existed: fill it from every case once (an upgrade)."""
    if store.recorder.max_tracking_id(BUILT) is not None:
        return
    head = store.head()
    timers.rebuild(case for case_id in _case_ids(store, head) if isinstance(case := cases.find(case_id), Case))
    store.recorder.insert_tracking(Tracking(BUILT, max(head, 1)))


def _reassess_once(store: Store, rules: RulesProcess) -> None:
    """After a correction of the rules, evaluate every case recorded before it once more (an upgrade)."""
    marker = f"rules-revision-{REVISION}"
    if store.recorder.max_tracking_id(marker) is not None:
        return
    head = store.head()
    if head:
        rules.reassess(_case_ids(store, head))
    store.recorder.insert_tracking(Tracking(marker, max(head, 1)))


def _case_ids(store: Store, head: int) -> list[UUID]:
    """Every case accepted up to ``head``, in the order of acceptance."""
    position, case_ids = 0, []
    while batch := store.recorder.select_notifications(start=position, limit=1000, stop=head, topics=[get_topic(Accepted)], inclusive_of_start=False):
        case_ids += [n.originator_id for n in batch]
        position = batch[-1].id
    return case_ids
