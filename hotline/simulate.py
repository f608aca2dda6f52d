"""``hotline simulate --cases N --from YYYY-MM-DD --months M [--seed S] [--workers K]``.

Plays a synthetic period of the hotline (see ``hotline.simulation``) through the application layer
on the configured store, with the simulated clock starting at ``--from`` and left where the period
ends: a ``hotline serve`` with ``HOTLINE_CLOCK=manual`` on the same store resumes there.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date, datetime, time
from typing import Any

from cases.calendar import TZ
from hotline.bootstrap import bootstrap
from hotline.settings import Settings
from hotline.simulation.engine import Plan, Progress, Summary, simulate, simulate_parallel


def main(settings: Settings, args: argparse.Namespace) -> int:
    if args.cases < 1 or args.months < 1 or args.workers < 1:
        print("hotline simulate: --cases, --months and --workers must be at least 1", file=sys.stderr)
        return 2
    if args.workers > 1 and settings.database.kind != "postgres":
        print("hotline simulate: --workers > 1 needs PostgreSQL (SQLite has one writer at a time)", file=sys.stderr)
        return 2
    plan = Plan(cases=args.cases, start=args.start, months=args.months, seed=args.seed)
    settings = settings.model_copy(update={"clock": "manual", "clock_start": start_of(args.start), "followers": "inline"})
    try:
        summary = run(settings, plan, workers=args.workers, show_progress=not args.quiet)
    except ClockAhead as error:
        print(f"hotline simulate: {error}", file=sys.stderr)
        return 2
    report(summary, as_json=args.json)
    return 0 if not summary.stats.refused else 1


class ClockAhead(Exception):
    pass


def start_of(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=TZ)


def run(settings: Settings, plan: Plan, *, workers: int = 1, show_progress: bool = False) -> Summary:
    """Play ``plan`` on the store ``settings`` name (its simulated clock must not be past the start)."""
    hotline = bootstrap(settings)
    try:
        if hotline.clock.now() > start_of(plan.start):
            raise ClockAhead(
                f"the store's simulated clock is at {hotline.clock.now().isoformat()}, after --from {plan.start}; "
                "use a later --from or a fresh store"
            )
        if workers == 1:
            hotline.start()
            with _progress_bar(plan, show_progress) as progress:
                return simulate(hotline, plan, progress=progress)
    finally:
        hotline.close()
    with _progress_bar(plan, show_progress) as progress:
        return simulate_parallel(settings, plan, workers, progress=progress)


class _progress_bar:
    """A progress bar over the cases accepted, with the events recorded per second (stderr, only on a terminal)."""

    def __init__(self, plan: Plan, show: bool) -> None:
        self.plan, self.show = plan, show
        self.bar: Any = None

    def __enter__(self) -> Progress | None:
        if not self.show:
            return None
        from tqdm import tqdm

        self.bar = tqdm(total=self.plan.cases, unit="case", desc="simulate", dynamic_ncols=True, file=sys.stderr)

        def progress(accepted: int, events: int) -> None:
            elapsed = self.bar.format_dict["elapsed"] or 1e-9
            self.bar.set_postfix_str(f"{events:,} events, {events / elapsed:,.0f} events/s", refresh=False)
            self.bar.update(accepted)

        return progress

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.close()


def report(summary: Summary, *, as_json: bool) -> None:
    data = summary.as_dict()
    if as_json:
        print(json.dumps(data, ensure_ascii=False))
        return
    rates = data["rates"]
    print(
        f"{data['cases']} cases from {data['from']} until {data['until']} (seed {data['seed']}, {data['workers']} worker(s)): "
        f"{data['events']:,} events in {data['seconds']:.1f} s ({data['events_per_s']:,} events/s)"
    )
    if data["append_events_per_s"]:
        print(f"  application layer: {data['write_events']:,} events by commands and the timekeeper, {data['append_events_per_s']:,} events/s")
    print(f"  time per phase (s): {data['phases_s']}")
    print(
        "  rates: " + ", ".join(f"{name} {value:.1%}" if value is not None else f"{name} -" for name, value in rates.items())
    )
    print(f"  statuses: {data['statuses']}")
    print(f"  urgings: {data['urgings']}")
    print(f"  findings by clause: {data['findings']}")
    counts = data["counts"]
    print(f"  leader cases {counts.get('leader_cases', 0)}, emergencies {counts.get('emergencies', 0)}, joint {counts.get('joint', 0)}")
    if data["refused"]:
        print(f"  refused steps (a bug in the stories): {data['refused']}")
