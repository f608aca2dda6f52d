"""``python -m bench.report RUN.json...``: Markdown tables from the JSON lines of bench runs.

Each file holds a run's output (its last line is the JSON object). Prints, per store, the figures of
its largest run beside their baselines, then the scaling series of every run of that store.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from bench.__main__ import ROWS, _fmt

SCALING = (
    ("events", lambda f: f["events"]),
    ("load: events/s (simulate, whole run)", lambda f: f["load"]["events_per_s"]),
    ("append_events_per_s", lambda f: f["append_events_per_s"]),
    ("rebuild seconds", lambda f: f["rebuild_seconds"]),
    ("rebuild events/s", lambda f: f["rebuild_events_per_s"]),
    ("rebuild peak RSS MB", lambda f: f["rebuild_peak_rss_mb"]),
    ("decode events/s", lambda f: f["baseline"]["decode_events_per_s"]),
    ("server peak RSS MB", lambda f: f["peak_rss_mb"]),
    ("command_cpu_ms", lambda f: f["command_cpu_ms"]),
    ("replay_p99_ms", lambda f: f["replay_p99_ms"]),
    *((f"list_p50_ms {name}", (lambda name: lambda f: f["list_p50_ms"][name])(name)) for name in ("status", "unit", "month", "overdue", "supervised")),
    ("report_ms", lambda f: f["report_ms"]),
    ("load average before/after", lambda f: "/".join(str(x) for x in f["run"].get("load_average_before_after", []))),
)


def read(path: str) -> dict[str, Any]:
    return json.loads(Path(path).read_text().strip().splitlines()[-1])


def table(figures: dict[str, Any]) -> list[str]:
    baseline, ratios, goals = figures["baseline"], figures["ratios"], figures["targets"]
    lines = ["| figure | value | baseline | value | ratio | target |", "|---|---:|---|---:|---:|---|"]
    for name, base, ratio in ROWS:
        goal = goals.get(name or "") or goals.get(ratio or "")
        target = "" if goal is None else f"{goal['target']}: " + {True: "met", False: "**missed**", None: "n/a"}[goal["met"]]
        lines.append(
            f"| {name or ''} | {_fmt(figures.get(name)) if name else ''} | {base or ''} | {_fmt(baseline.get(base)) if base else ''} "
            f"| {_fmt(ratios.get(ratio)) if ratio else ''} | {target} |"
        )
    for name, value in figures["list_p50_ms"].items():
        lines.append(f"| list_p50_ms {name} | {_fmt(value)} | | | | |")
    return lines


def scaling(runs: list[dict[str, Any]]) -> list[str]:
    runs = sorted(runs, key=lambda f: f["cases"])
    lines = ["| cases | " + " | ".join(f"{f['cases']:,}" for f in runs) + " |", "|---|" + "---:|" * len(runs)]
    for name, get in SCALING:
        cells = []
        for f in runs:
            try:
                cells.append(_fmt(get(f)))
            except (KeyError, TypeError):
                cells.append("")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return lines


def main() -> None:
    runs = [read(path) for path in sys.argv[1:]]
    for store in ("sqlite", "postgres"):
        mine = [f for f in runs if f["store"] == store]
        if not mine:
            continue
        print(f"\n### {store}\n")
        for figures in sorted(mine, key=lambda f: f["cases"]):
            print(f"{figures['cases']:,} cases, {figures['events']:,} events (load average before/after {figures['run'].get('load_average_before_after')}):\n")
            print("\n".join(table(figures)))
            print()
        if len(mine) > 1:
            print("Scaling:\n")
            print("\n".join(scaling(mine)))


if __name__ == "__main__":
    main()
