"""The rules process: follows the case events and raises, extends or withdraws findings by itself.

It is a follower of the log (stage 0: what it records, read models then show). For each batch it
re-evaluates every case concerned with the pure rules, notes the Art. 11(2) facts on the unit-month
tallies, and saves the findings and tallies it changed *with its tracking position in the same
transaction*: exactly once, and after a crash it resumes where it stopped. A concurrent decision
on the same finding makes the save fail; the batch is then evaluated again on the fresh state.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from eventsourcing.persistence import IntegrityError, Notification, Tracking

from accountability.finding import Finding, FindingDraft, rule_finding_id
from accountability.rules import Withdrawal, evaluate_case, overdue_facts, rule_11_2
from accountability.tally import OverdueTally, tally_id
from cases.actors import system
from cases.aggregate import Aggregate
from cases.case import Case
from hotline.application import HotlineApplication
from hotline.clock import Clock
from hotline.store import Store
from projections.case_index import case_topics
from projections.runner import Follower

RULES = system("rules")
ATTEMPTS = 5


class RulesApplication(HotlineApplication):
    """The process's own view of the log (its own cache)."""

    def __init__(self, store: Store) -> None:
        super().__init__(store)
        every = store.settings.snapshot_interval
        self.snapshotting_intervals = {Finding: every, OverdueTally: every}


class RulesProcess(Follower):
    name = "rules"
    stage = 0

    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock
        self.app = RulesApplication(store)
        self.topics = case_topics()

    def tracked(self) -> int:
        return self.store.recorder.max_tracking_id(self.name) or 0

    def handle(self, notifications: Sequence[Notification], upto: int) -> None:
        case_ids = list(dict.fromkeys(n.originator_id for n in notifications))
        for attempt in range(ATTEMPTS):
            batch = _Batch(self.app, self.clock)
            for case_id in case_ids:
                case = self.app.repository.get(case_id)
                if isinstance(case, Case):
                    batch.evaluate(case)
            try:
                self.app.save_tracked(*batch.changed(), tracking=Tracking(self.name, upto))
                return
            except IntegrityError:
                if self.tracked() >= upto or attempt == ATTEMPTS - 1:
                    raise
                self.app.evict(list(batch.loaded.values()))


class _Batch:
    """The findings and tallies one batch loads and changes, each loaded once."""

    def __init__(self, app: HotlineApplication, clock: Clock) -> None:
        self.app = app
        self.clock = clock
        self.loaded: dict[Any, Aggregate] = {}

    def evaluate(self, case: Case) -> None:
        now = max(self.clock.now(), case.modified_on)
        evaluation = evaluate_case(case)
        for draft in evaluation.drafts:
            self.follow(draft, now)
        for withdrawal in evaluation.withdrawals:
            self.withdraw(withdrawal, now)
        for (unit, month), facts in overdue_facts(case).items():
            tally = self.get(tally_id(unit, month)) or self.keep(OverdueTally.open(unit, month, now=now, actor=RULES))
            changed = [tally.note(fact, now=now, actor=RULES) for fact in facts]
            if any(changed):
                verdict = rule_11_2(unit, month, tally.facts.values())
                if isinstance(verdict, Withdrawal):
                    self.withdraw(verdict, now)
                else:
                    self.follow(verdict, now)

    def follow(self, draft: FindingDraft, now: datetime) -> None:
        finding = self.get(rule_finding_id(draft.key))
        if finding is None:
            self.keep(Finding.from_draft(draft, now=now, actor=RULES))
        else:
            finding.follow(draft, now=now, actor=RULES)

    def withdraw(self, withdrawal: Withdrawal, now: datetime) -> None:
        finding = self.get(rule_finding_id(withdrawal.key))
        if finding is not None:
            finding.withdraw(withdrawal.reason, now=now, actor=RULES)

    def get(self, aggregate_id: Any) -> Any:
        if aggregate_id not in self.loaded:
            found = self.app.find(aggregate_id)
            if found is None:
                return None
            self.loaded[aggregate_id] = found
        return self.loaded[aggregate_id]

    def keep(self, aggregate: Aggregate) -> Any:
        self.loaded[aggregate.id] = aggregate
        return aggregate

    def changed(self) -> list[Aggregate]:
        return [aggregate for aggregate in self.loaded.values() if aggregate.pending_events]
