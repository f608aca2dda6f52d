"""Plays the simulated cases through the application layer, day by day on the simulated clock.

Each day: the day's requests are accepted at their drawn instants, every case's next step due that
day is played in time order (a command of ``Cases``, with the step's instant as ``now``), then the
clock moves to midnight through the timekeeper (recording every deadline that lapsed on the way)
and the followers (rules process, read models) catch up, as they would in a running service.

With ``workers`` > 1 (PostgreSQL only), each worker process plays the cases whose index falls to it
(``i % workers``); the parent keeps time and runs the followers, and a barrier keeps everyone on
the same day.
"""

from __future__ import annotations

import heapq
import multiprocessing
import time as timer
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from random import Random
from typing import Any

from cases.calendar import TZ, WorkingCalendar, end_of_day, local_date
from cases.case import Case
from foundation.application import Context, Recorded
from foundation.errors import DomainError
from hotline.bootstrap import Hotline, bootstrap
from hotline.settings import Settings
from hotline.simulation.stories import Draw, Step, Story, Storyteller, draw
from hotline.simulation.world import ADMIN, AGENTS, CENTER_STAFF, CENTER_UNIT, POLICY, World

HOURLY = (0.15, 0.1, 0.08, 0.08, 0.1, 0.2, 0.4, 0.8, 1.0, 1.0, 1.0, 0.9, 0.6, 0.6, 0.9, 1.0, 1.0, 0.9, 0.7, 0.7, 0.6, 0.5, 0.35, 0.2)
"""Calls per hour of the day (a 12345 line answers round the clock; most calls come in office hours)."""
WEEKEND, HOLIDAY, MAKEUP = 0.55, 0.45, 0.9
"""Calls on a weekend day, a statutory holiday and a make-up working day, relative to a working day."""
MONTHLY = (0.9, 0.85, 0.95, 1.0, 1.0, 1.05, 1.15, 1.15, 1.0, 0.95, 0.95, 0.95)
"""Seasonal wave: summer brings more calls (water, power, heat, noise)."""
BARRIER_TIMEOUT = 900.0


@dataclass(frozen=True)
class Plan:
    """How many cases, from when, until when, and the seed: everything a run is drawn from."""

    cases: int
    start: date
    months: int
    seed: int = 1
    until: datetime | None = None
    """The end of the run (exclusive); by default ``start`` plus ``months``, at midnight."""

    @property
    def end(self) -> datetime:
        return self.until or datetime.combine(add_months(self.start, self.months), time(0), tzinfo=TZ)

    def days(self) -> list[date]:
        last = local_date(self.end - timedelta(microseconds=1))
        return [self.start + timedelta(days=n) for n in range((last - self.start).days + 1)]

    def counts(self, calendar: WorkingCalendar) -> list[int]:
        """Cases accepted on each day: proportional to the day's weight, adding up to ``cases`` exactly."""
        days = self.days()
        weights = [day_weight(day, calendar) for day in days]
        total = sum(weights)
        shares = [self.cases * w / total for w in weights]
        counts = [int(s) for s in shares]
        by_remainder = sorted(range(len(days)), key=lambda n: (counts[n] - shares[n], n))
        for n in by_remainder[: self.cases - sum(counts)]:
            counts[n] += 1
        return counts


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    return date(day.year + month // 12, month % 12 + 1, 1) if day.day == 1 else date(day.year + month // 12, month % 12 + 1, min(day.day, 28))


def day_weight(day: date, calendar: WorkingCalendar) -> float:
    weekend = day.weekday() >= 5
    if calendar.is_working_day(day):
        factor = MAKEUP if weekend else 1.0
    else:
        factor = WEEKEND if weekend else HOLIDAY
    return factor * MONTHLY[day.month - 1]


def acceptance_instants(seed: int, day: date, first: int, count: int) -> list[datetime]:
    """When each of the day's requests comes in (drawn per case, then in order: case numbers follow time)."""
    instants = []
    for i in range(first, first + count):
        rng = Random(f"{seed}:accepted:{i}")
        hour = rng.choices(range(24), weights=HOURLY)[0]
        instants.append(datetime.combine(day, time(hour), tzinfo=TZ) + timedelta(seconds=rng.uniform(0, 3599)))
    return sorted(instants)


# ------------------------------------------------------------------ statistics


@dataclass
class Stats:
    """What was played, counted as it happened (so rates are the run's, not the intended ones)."""

    counts: Counter[str] = field(default_factory=Counter)
    urgings: Counter[str] = field(default_factory=Counter)
    refused: Counter[str] = field(default_factory=Counter)
    write_events: int = 0
    command_seconds: float = 0.0

    def add(self, other: Stats) -> None:
        self.counts.update(other.counts)
        self.urgings.update(other.urgings)
        self.refused.update(other.refused)
        self.write_events += other.write_events
        self.command_seconds += other.command_seconds

    def rate(self, part: str, whole: str) -> float | None:
        return round(self.counts[part] / self.counts[whole], 4) if self.counts[whole] else None

    def rates(self) -> dict[str, float | None]:
        return {
            "signed_on_time": self.rate("signed_on_time", "signed"),
            "replied_on_time": self.rate("replied_on_time", "replied"),
            "returned": self.rate("returned", "dispatched"),
            "redone": self.rate("redone", "replied_cases"),
            "satisfaction": self.rate("satisfied", "revisited"),
        }


# ------------------------------------------------------------------ one process's share of the cases


class Share:
    """The cases of one process (index ``i % shards == shard``), each played as its story."""

    def __init__(self, hotline: Hotline, plan: Plan, *, shard: int = 0, shards: int = 1) -> None:
        self.hotline = hotline
        self.plan = plan
        self.shard, self.shards = shard, shards
        self.world = World()
        self.calendar = WorkingCalendar()
        self.teller = Storyteller(self.world, self.calendar)
        self.counts = plan.counts(self.calendar)
        self.firsts = [0]
        for count in self.counts:
            self.firsts.append(self.firsts[-1] + count)
        self.index = {day: n for n, day in enumerate(plan.days())}
        self.queue: list[tuple[datetime, int, Step, Story, Draw]] = []
        self._seq = 0
        self.stats = Stats()

    def accepted_on(self, day: date) -> int:
        return self.counts[self.index[day]]

    def begin(self, day: date) -> None:
        """Queue the acceptance of the day's requests that fall to this share."""
        n = self.index[day]
        first = self.firsts[n]
        for i, instant in enumerate(acceptance_instants(self.plan.seed, day, first, self.counts[n]), start=first):
            if i % self.shards == self.shard:
                d = draw(self.plan.seed, i, instant, self.world)
                story = self.teller.story(d)
                self._push(next(story), story, d)

    def play_until(self, end: datetime) -> None:
        """Play every step due before ``end``, in time order."""
        began = timer.perf_counter()
        queue = self.queue
        while queue and queue[0][0] < end:
            _, _, step, story, d = heapq.heappop(queue)
            case = self._play(step, d)
            if case is None:
                story.close()
                continue
            try:
                following = story.send(case)
            except StopIteration:
                continue
            self._push(following, story, d)
        self.stats.command_seconds += timer.perf_counter() - began

    def _push(self, step: Step, story: Story, d: Draw) -> None:
        self._seq += 1
        heapq.heappush(self.queue, (step.at, self._seq, step, story, d))

    def _play(self, step: Step, d: Draw) -> Case | None:
        ctx = Context(actor=step.actor, now=step.at)
        try:
            recorded = run(self.hotline, step, d, ctx)
        except DomainError as error:
            self.stats.refused[f"{step.action}: {type(error).__name__}"] += 1
            return None
        case = recorded.aggregate
        self._count(step, d, case)
        return case

    def _count(self, step: Step, d: Draw, case: Case) -> None:
        counts = self.stats.counts
        action = step.action
        counts[action] += 1
        if action == "accept":
            counts["accepted"] += 1
            counts["leader_cases"] += "leader_involved" in d.flags
            counts["emergencies"] += d.urgency == "emergency"
        elif action == "dispatch" and not case.returns:
            counts["dispatched"] += 1
            counts["joint"] += bool(step.kwargs["co_units"])
        elif action == "sign" and step.actor.unit == case.current_round.lead_unit:
            current = case.current_round
            limit = end_of_day(self.calendar.add_working_days(local_date(current.started_at), 1))
            counts["signed"] += 1
            counts["signed_on_time"] += step.at <= limit
        elif action == "reply":
            counts["replied"] += 1
            counts["replied_cases"] += case.round_number == 1 or case.current_round.kind == "dispatch"
            counts["replied_on_time"] += case.current_round.deadline.lapsed_at is None
        elif action == "return_dispatch":
            counts["returned"] += 1
        elif action == "redo":
            counts["redone"] += 1
        elif action == "revisit":
            counts["revisited"] += 1
            counts["satisfied"] += bool(step.kwargs["satisfied"])
        elif action == "urge":
            self.stats.urgings[step.kwargs["method"]] += 1


METHOD_NAMES = {"close": "close_case"}


def run(hotline: Hotline, step: Step, d: Draw, ctx: Context) -> Recorded:
    """One step as the application command it stands for."""
    kwargs = dict(step.kwargs)
    if step.action == "accept":
        return hotline.cases.accept(**kwargs, ctx=ctx, case_id=d.id)
    command = getattr(hotline.cases, METHOD_NAMES.get(step.action, step.action))
    args = (kwargs.pop("n"),) if "n" in kwargs else ()
    return command(d.id, *args, **kwargs, ctx=ctx)


@contextmanager
def _count_saves(hotline: Hotline, stats: Stats) -> Iterator[None]:
    """Count the events the case commands (and the timekeeper) record: the application layer's appends."""
    save = hotline.cases.save

    def counted(*aggregates: Any, **kwargs: Any) -> Any:
        recordings = save(*aggregates, **kwargs)
        stats.write_events += len(recordings)
        return recordings

    hotline.cases.save = counted  # type: ignore[method-assign]
    try:
        yield
    finally:
        del hotline.cases.save


# ------------------------------------------------------------------ reference data, time, summary


def ensure_reference(hotline: Hotline, at: datetime) -> int:
    """Register the world's units and staff and set the policy, unless they are there; returns commands run."""
    admin = hotline.admin
    ctx = Context(actor=ADMIN, now=at)
    known = admin.reference.registry().units
    known_staff = admin.reference.registry().staff
    ran = 0
    if CENTER_UNIT not in known:
        admin.register_unit(unit_id=CENTER_UNIT, name="市12345热线管理中心", kind="center", ctx=ctx)
        ran += 1
    world = World()
    for spec in sorted(world.units.values(), key=lambda u: (u.kind == "internal", u.kind == "non_member", u.id)):
        if spec.id not in known:
            admin.register_unit(unit_id=spec.id, name=spec.name, kind=spec.kind, parent_id=spec.parent_id, superior_id=spec.superior_id, ctx=ctx)
            ran += 1
    staff = [(CENTER_UNIT, f"agent-{n:02d}", f"话务员{n:02d}", "话务员", False) for n in range(1, AGENTS + 1)]
    staff += [(CENTER_UNIT, f"center-{n:02d}", f"督办科科员{n:02d}", "督办科科员", False) for n in range(1, CENTER_STAFF + 1)]
    staff += [(CENTER_UNIT, "admin-01", "系统管理员", None, False)]
    for spec in world.units.values():
        staff += [
            (spec.id, f"{spec.id.lower()}-handler", f"{spec.name}经办人", "经办人", False),
            (spec.id, f"{spec.id.lower()}-leader", f"{spec.name}分管领导", "分管领导", True),
        ]
    for unit, staff_id, name, position, leader in staff:
        if staff_id not in known_staff:
            admin.add_staff(unit, staff_id=staff_id, name=name, position=position, responsible_leader=leader, ctx=ctx)
            ran += 1
    if admin.reference.policy_aggregate() is None or admin.policy() != POLICY:
        admin.set_policy(POLICY, ctx=ctx)
        ran += 1
    return ran


def keep_time(hotline: Hotline, to: datetime) -> int:
    """Record every time fact due by ``to``: moving the simulated clock if it is behind, else as of ``to``."""
    clock = hotline.clock
    if clock.manual and clock.now() < to:
        moved = hotline.timekeeper.advance(to, ctx=Context(actor=ADMIN, now=clock.now()))
        return int(moved.result["recorded"])
    return hotline.timekeeper.run_until(to, stamp=None)


@dataclass
class Summary:
    plan: Plan
    stats: Stats
    events: int
    seconds: float
    phases: dict[str, float]
    statuses: dict[str, int]
    findings: dict[str, int]
    workers: int = 1

    def as_dict(self) -> dict[str, Any]:
        stats = self.stats
        timed = self.phases.get("commands", 0) + self.phases.get("time", 0)
        return {
            "cases": self.plan.cases,
            "from": self.plan.start.isoformat(),
            "until": self.plan.end.isoformat(),
            "seed": self.plan.seed,
            "workers": self.workers,
            "events": self.events,
            "write_events": stats.write_events,
            "seconds": round(self.seconds, 2),
            "events_per_s": round(self.events / self.seconds, 1) if self.seconds else None,
            "append_events_per_s": round(stats.write_events / timed, 1) if timed and self.workers == 1 else None,
            "phases_s": {k: round(v, 2) for k, v in self.phases.items()},
            "counts": dict(sorted(stats.counts.items())),
            "urgings": dict(sorted(stats.urgings.items())),
            "refused": dict(sorted(stats.refused.items())),
            "rates": stats.rates(),
            "statuses": self.statuses,
            "findings": self.findings,
        }


def statuses(hotline: Hotline) -> dict[str, int]:
    rows = hotline.store.sql.query("SELECT status, COUNT(*) AS n FROM {t} GROUP BY status ORDER BY status", t="case_list")
    return {row["status"]: int(row["n"]) for row in rows}


def findings(hotline: Hotline) -> dict[str, int]:
    rows = hotline.store.sql.query("SELECT clause, COUNT(*) AS n FROM {t} GROUP BY clause ORDER BY clause", t="findings_list")
    return {row["clause"]: int(row["n"]) for row in rows}


Progress = Callable[[int, int], None]
"""Called after each day with the cases accepted that day and the events recorded so far."""


# ------------------------------------------------------------------ one process


def simulate(hotline: Hotline, plan: Plan, *, progress: Progress | None = None) -> Summary:
    """Play ``plan`` in this process on ``hotline`` (its followers are caught up every simulated day)."""
    began = timer.perf_counter()
    head = hotline.store.head()
    phases = Counter[str]()
    ensure_reference(hotline, datetime.combine(plan.start, time(0), tzinfo=TZ))
    share = Share(hotline, plan)
    with _count_saves(hotline, share.stats):
        for day, end in _days(plan):
            share.begin(day)
            share.play_until(end)
            with _timed(phases, "time"):
                keep_time(hotline, end)
            with _timed(phases, "followers"):
                hotline.followers.catch_up()
            if progress is not None:
                progress(share.accepted_on(day), hotline.store.head() - head)
    phases["commands"] = share.stats.command_seconds
    return Summary(plan, share.stats, hotline.store.head() - head, timer.perf_counter() - began, dict(phases), statuses(hotline), findings(hotline))


def _days(plan: Plan) -> Iterator[tuple[date, datetime]]:
    for day in plan.days():
        yield day, min(datetime.combine(day + timedelta(days=1), time(0), tzinfo=TZ), plan.end)


class _timed:
    def __init__(self, phases: Counter[str], name: str) -> None:
        self.phases, self.name = phases, name

    def __enter__(self) -> None:
        self.began = timer.perf_counter()

    def __exit__(self, *exc: object) -> None:
        self.phases[self.name] += timer.perf_counter() - self.began


# ------------------------------------------------------------------ several processes (PostgreSQL)


def simulate_parallel(settings: Settings, plan: Plan, workers: int, *, progress: Progress | None = None) -> Summary:
    """Play ``plan`` with ``workers`` processes on one PostgreSQL store; this process keeps time and runs the followers."""
    if settings.database.kind != "postgres":
        raise ValueError("--workers > 1 needs PostgreSQL (SQLite has one writer at a time)")
    hotline = bootstrap(settings.model_copy(update={"followers": "inline"}))
    hotline.start()
    try:
        began = timer.perf_counter()
        head = hotline.store.head()
        ensure_reference(hotline, datetime.combine(plan.start, time(0), tzinfo=TZ))
        stats, phases = Stats(), Counter[str]()
        with _count_saves(hotline, stats):
            _conduct(hotline, settings, plan, workers, stats, phases, progress)
        hotline.followers.catch_up()
        seconds = timer.perf_counter() - began
        return Summary(
            plan, stats, hotline.store.head() - head, seconds, dict(phases), statuses(hotline), findings(hotline), workers=workers
        )
    finally:
        hotline.close()


def _conduct(
    hotline: Hotline, settings: Settings, plan: Plan, workers: int, stats: Stats, phases: Counter[str], progress: Progress | None
) -> None:
    """Start the workers, keep time and run the followers day by day between them, and gather their figures."""
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(workers + 1, timeout=BARRIER_TIMEOUT)
    results = context.Queue()
    worker_settings = settings.model_copy(update={"followers": "external"})
    processes = [
        context.Process(target=_worker, args=(worker_settings, plan, w, workers, barrier, results), name=f"simulate-{w}")
        for w in range(workers)
    ]
    for process in processes:
        process.start()
    counts = plan.counts(WorkingCalendar())
    first = hotline.store.head()
    try:
        for (_, end), accepted in zip(_days(plan), counts, strict=True):
            with _timed(phases, "commands"):
                barrier.wait()  # the workers played the day
            with _timed(phases, "time"):
                keep_time(hotline, end)
            barrier.wait()  # on to the next day; the followers catch up meanwhile
            with _timed(phases, "followers"):
                hotline.followers.catch_up()
            if progress is not None:
                progress(accepted, hotline.store.head() - first)
        for _ in processes:
            stats.add(results.get(timeout=BARRIER_TIMEOUT))
    except BaseException:
        barrier.abort()
        raise
    finally:
        for process in processes:
            process.join(timeout=BARRIER_TIMEOUT)


def _worker(settings: Settings, plan: Plan, shard: int, shards: int, barrier: Any, results: Any) -> None:
    hotline = bootstrap(settings)
    try:
        share = Share(hotline, plan, shard=shard, shards=shards)
        with _count_saves(hotline, share.stats):
            for day, end in _days(plan):
                share.begin(day)
                share.play_until(end)
                barrier.wait()  # the day is played
                barrier.wait()  # time kept
        results.put(share.stats)
    except BaseException:
        barrier.abort()
        raise
    finally:
        hotline.close()
