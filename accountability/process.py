"""The rules process: follows the case events and raises, extends or withdraws findings by itself.

An ``EventSourcedProjection`` of the library (stage 0: what it records, the read models then
show). For each batch it re-evaluates every case concerned with the pure rules, notes the Art.
11(2) facts on the unit-month tallies, and saves the findings and tallies it changed *with its
tracking position in the same transaction*: exactly once, and after a crash it resumes where it
stopped. A concurrent decision on the same finding makes the save fail; the batch is then
evaluated again on the fresh state.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.application import ProcessingEvent
from eventsourcing.dispatch import singledispatchmethod
from eventsourcing.persistence import IntegrityError, Tracking
from eventsourcing.projection import EventSourcedProjection

from foundation.actors import system
from foundation.aggregate import Aggregate
from foundation.application import BaseApplication, KeptIndex
from foundation.clock import Clock
from foundation.store import Store
from accountability.finding import Finding, FindingDraft, rule_finding_id
from accountability.rules import Withdrawal, evaluate_case, overdue_facts, rule_11_2
from accountability.tally import OverdueTally, tally_id
from cases.case import Case
from cases.events import Accepted, CaseEvent, case_topics

RULES = system("rules")
ATTEMPTS = 5


class RulesProcess(BaseApplication, EventSourcedProjection):
    """Stage 0 of the followers: the findings the rules conclude, recorded with the position they rest on."""

    name = "rules"
    topics = case_topics()
    stage = 0

    def __init__(self, store: Store, clock: Clock, *, snapshot_interval: int = 50, kept: Sequence[KeptIndex] = ()) -> None:
        super().__init__(store, snapshot_every={Finding: snapshot_interval, OverdueTally: snapshot_interval}, kept=kept)
        self.clock = clock

    def setup(self) -> None:
        """The process records into the log itself: nothing to create."""

    def tracked(self) -> int:
        return self.store.recorder.max_tracking_id(self.name) or 0

    def process_batch(self, events: Sequence[tuple[Any, Tracking]]) -> None:
        """Evaluate each case the batch touched once, and save what changed with the batch's position."""
        case_ids = list(dict.fromkeys(event.originator_id for event, _ in events))
        tracking = Tracking(self.name, events[-1][1].notification_id)
        forwarded = self.forward([event for event, _ in events])
        for attempt in range(ATTEMPTS):
            work = _Workset(self, forwarded)
            for case_id in case_ids:
                work.evaluate(case_id)
            try:
                self.save_tracked(*work.changed(), tracking=tracking)
                return
            except IntegrityError:
                if self.tracked() >= tracking.notification_id:
                    return  # a rival process of the same name recorded this batch
                if attempt == ATTEMPTS - 1:
                    raise
                self.evict(list(work.loaded.values()))

    def forward(self, events: Sequence[Any]) -> dict[UUID, Case]:
        """The cases this process holds in its cache, brought forward by the batch's own events.

        The batch's events are already decoded: applied to the cached case they give its state as
        of the batch, without reading the case's events again (the library's repository would ask
        the store for what followed the cached version). A case the batch itself creates (its
        acceptance is in the batch) is made from the batch's events and cached the same way. A case
        not cached and not created here, or whose events in the batch do not follow its cached
        version without a gap, is loaded as before.
        """
        cache = self.repository.cache
        by_case: dict[UUID, list[Any]] = {}
        for event in events:
            if isinstance(event, CaseEvent):
                by_case.setdefault(event.originator_id, []).append(event)
        forwarded: dict[UUID, Case] = {}
        for case_id, mine in by_case.items():
            if cache is None:
                break
            try:
                case = cache.get(case_id)
            except KeyError:
                case = self._created(mine)
                if case is None:
                    continue
                cache.put(case_id, case)
            if not isinstance(case, Case):
                continue
            newer = [event for event in mine if event.originator_version > case.version]
            if [event.originator_version for event in newer] != list(range(case.version + 1, case.version + 1 + len(newer))):
                continue
            try:
                for event in newer:
                    event.mutate(case)
            except Exception:  # noqa: BLE001 - half applied: drop it from the cache; loading it surfaces the error
                cache.get(case_id, evict=True)
                continue
            forwarded[case_id] = case
        return forwarded

    @staticmethod
    def _created(mine: Sequence[Any]) -> Case | None:
        """A case the batch itself creates: made from its first event (the rest follow as for a cached case)."""
        first = mine[0]
        if not isinstance(first, Accepted) or first.originator_version != 1:
            return None
        try:
            return first.mutate(None)
        except Exception:  # noqa: BLE001 - loading it surfaces the error
            return None

    def reassess(self, case_ids: Sequence[UUID]) -> int:
        """Evaluate cases again under the rules as they are now (after a correction of the rules): how many findings changed.

        Undecided findings the corrected rules no longer conclude are withdrawn, those they conclude
        differently are restated, decided ones get a note; every change is a new event saying why.
        """
        changed = 0
        for start in range(0, len(case_ids), 200):
            work = _Workset(self)
            for case_id in case_ids[start : start + 200]:
                work.evaluate(case_id)
            aggregates = work.changed()
            changed += sum(isinstance(a, Finding) for a in aggregates)
            if aggregates:
                self.save(*aggregates)
        return changed

    @singledispatchmethod
    def policy(self, domain_event: Any, processing_event: ProcessingEvent) -> None:
        """Only case events concern the rules."""

    @policy.register
    def _case_event(self, domain_event: CaseEvent, processing_event: ProcessingEvent) -> None:
        """The library's one-event path: evaluate the case the event belongs to."""
        work = _Workset(self)
        work.evaluate(domain_event.originator_id)
        processing_event.collect_events(*work.changed())


class _Workset:
    """The findings and tallies one batch loads and changes, each loaded once."""

    def __init__(self, app: RulesProcess, forwarded: dict[UUID, Case] | None = None) -> None:
        self.app = app
        self.forwarded = forwarded or {}
        """Cases already brought to the batch's state from its own events (``RulesProcess.forward``)."""
        self.loaded: dict[Any, Aggregate] = {}

    def evaluate(self, case_id: UUID) -> None:
        case = self.forwarded.get(case_id) or self.app.find(case_id)
        if not isinstance(case, Case):
            return
        now = max(self.app.clock.now(), case.modified_on)
        evaluation = evaluate_case(case)
        for draft in evaluation.drafts:
            self.conclude(draft, now)
        for withdrawal in evaluation.withdrawals:
            self.withdraw(withdrawal, now)
        for (unit, month), facts in overdue_facts(case).items():
            tally = self.get(tally_id(unit, month)) or self.add(OverdueTally.open(unit, month, now=now, actor=RULES))
            changed = [tally.note(fact, now=now, actor=RULES) for fact in facts]
            if any(changed):
                verdict = rule_11_2(unit, month, tally.facts.values())
                if isinstance(verdict, Withdrawal):
                    self.withdraw(verdict, now)
                else:
                    self.conclude(verdict, now)

    def conclude(self, draft: FindingDraft, now: datetime) -> None:
        finding = self.get(rule_finding_id(draft.key))
        if finding is None:
            self.add(Finding.from_draft(draft, now=now, actor=RULES))
        else:
            finding.restate(draft, now=now, actor=RULES)

    def withdraw(self, withdrawal: Withdrawal, now: datetime) -> None:
        """An undecided finding is withdrawn; a decided one keeps its decisions and gets a note for review."""
        finding = self.get(rule_finding_id(withdrawal.key))
        if finding is not None and not finding.withdraw(withdrawal.reason, now=now, actor=RULES):
            finding.reassess(withdrawal.reason, now=now, actor=RULES)

    def get(self, aggregate_id: Any) -> Any:
        if aggregate_id not in self.loaded:
            found = self.app.find(aggregate_id)
            if found is None:
                return None
            self.loaded[aggregate_id] = found
        return self.loaded[aggregate_id]

    def add(self, aggregate: Aggregate) -> Any:
        self.loaded[aggregate.id] = aggregate
        return aggregate

    def changed(self) -> list[Aggregate]:
        return [aggregate for aggregate in self.loaded.values() if aggregate.pending_events]
