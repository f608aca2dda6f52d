"""``python -m bench --cases N --store sqlite|postgres [--json]`` (``make bench ARGS=...``).

For one store, in one run, on this machine:

1. a fresh store (SQLite file / PostgreSQL database) is loaded with N cases by ``hotline simulate``
   (the application layer: ``append_events_per_s``), with AES encryption on;
2. baselines on that same database, with nothing else running: raw inserts, the bare library's
   get + 1 event + save, and read + decrypt + decode of the whole log;
3. the real server (``hotline serve``, uvicorn, simulated clock) in a subprocess, measured with real
   HTTP clients: commands with 1 and 16 clients (six-command case lifecycles, accepts included),
   replays, list filters, a read with ``min_position``, reports and verification where they exist,
   and the server's peak memory;
4. the framework's floor (``bench.floor``: a bare FastAPI route doing the library's get + 1 event +
   save, same uvicorn options) measured the same way;
5. the server again with its followers stopped (``HOTLINE_FOLLOWERS=external``): the followers' cost;
   on PostgreSQL also with them in a worker process (``hotline projections run``): the ``_worker`` figures;
6. every read model rebuilt from scratch, in a process of its own (``bench.rebuild``).

Headline command figures are the median of ``--rounds`` rounds (3). A table goes to stdout; with
``--json`` one JSON object is the last line. Targets (issue 12) are reported, never asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime
from pathlib import Path
from typing import Any

from bench import clients
from bench.servers import Worker, floor_server, hotline_server
from bench.stores import Load, RunStore, decode_events_per_s, fresh_store, library_save, load, raw_insert_rows_per_s

TARGETS = {
    "command_vs_http_library_save": (">=", 0.6),
    "followers_overhead": ("<=", 1.3),
    "command_p99_ms_16": ("<=", {"sqlite": 50, "postgres": 100}),
    "rebuild_vs_decode": (">=", 0.5),
    "rebuild_peak_rss_mb": ("<=", 400),
    "min_position_read_extra_ms": ("<=", 3),
    "report_ms": ("<=", 100),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--store", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--months", type=int, default=12, help="the simulated period the cases are spread over")
    parser.add_argument("--from", dest="start", type=date.fromisoformat, default=date(2026, 1, 1))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=1, help="simulate's processes for the load (PostgreSQL)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of the command measurements (median)")
    parser.add_argument("--lifecycles", type=int, default=40, help="case lifecycles (6 commands each) per 1-client round")
    parser.add_argument("--reuse", action="store_true", help="keep the loaded store under var/bench/ and start from a copy next time")
    parser.add_argument("--json", action="store_true", help="print the figures as one JSON object on the last line")
    args = parser.parse_args(argv)
    plan = Load(args.cases, args.start, args.months, args.seed, args.workers)
    load_before = os.getloadavg()
    if load_before[0] > (os.cpu_count() or 1) / 2:
        note(f"the machine is busy (load average {load_before[0]:.1f} on {os.cpu_count()} CPUs): figures will be low and noisy")
    with tempfile.TemporaryDirectory(prefix="hotline-bench-") as tmp, fresh_store(args.store, Path(tmp)) as store:
        figures = measure(store, plan, rounds=args.rounds, lifecycles=args.lifecycles, reuse=args.reuse, progress=not args.json)
    figures["run"]["load_average_before_after"] = [round(load_before[0], 2), round(os.getloadavg()[0], 2)]
    print_table(figures)
    if args.json:
        print(json.dumps(figures, ensure_ascii=False))
    return 0


def note(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def median(values: list[float]) -> float:
    return round(statistics.median(values), 2)


def measure(store: RunStore, plan: Load, *, rounds: int, lifecycles: int, reuse: bool, progress: bool) -> dict[str, Any]:
    figures: dict[str, Any] = {"store": store.kind, "cases": plan.cases}
    note(f"loading {plan.cases} cases over {plan.months} months into {store.kind} with hotline simulate")
    summary = load(store, plan, reuse=reuse, progress=progress and sys.stderr.isatty())
    figures["append_events_per_s"] = summary.get("append_events_per_s") or summary.get("events_per_s")
    start = datetime.combine(plan.start, datetime.min.time()).isoformat() + "+08:00"

    note("baselines: raw inserts, the bare library, decoding the log")
    baseline: dict[str, Any] = {"raw_insert_rows_per_s": round(raw_insert_rows_per_s(store), 1)}
    library = library_save(store)
    baseline["library_save_events_per_s"] = round(library["per_s"], 1)
    baseline["library_save_p50_ms"] = round(library["p50_ms"], 2)
    events, decode = decode_events_per_s(store)
    baseline["decode_events_per_s"] = round(decode, 1)
    figures["events"] = events

    note("the real server, followers live")
    with hotline_server(store, start) as server:
        warm = clients.run(lambda: clients.commands(server.base, clients=1, cases_per_client=3))
        del warm
        ones, cpu = rounds_on(server, lambda: clients.commands(server.base, clients=1, cases_per_client=lifecycles), rounds)
        figures["command_cpu_ms"] = cpu
        figures["command_per_s"] = median([s.per_s for s in ones])
        figures["command_p50_ms"] = median([s.ms(0.5) for s in ones])
        figures["command_p99_ms"] = median([s.ms(0.99) for s in ones])
        live_mean = median([s.mean_ms for s in ones])
        sixteen = [clients.run(lambda: clients.commands(server.base, clients=16, cases_per_client=max(2, lifecycles // 5))) for _ in range(rounds)]
        figures["command_per_s_16"] = median([s.per_s for s in sixteen])
        figures["command_p99_ms_16"] = median([s.ms(0.99) for s in sixteen])
        figures["accept_p99_ms_16"] = median([s.ms(0.99, "accept") for s in sixteen])
        figures["server_errors"] = sum(s.errors for s in (*ones, *sixteen))
        rows = case_rows(store)
        replays = clients.run(lambda: clients.replay(server.base, clients.sample_cases(rows, 100)))
        figures["replay_p99_ms"] = round(replays.ms(0.99), 2)
        figures["replay_p50_ms"] = round(replays.ms(0.5), 2)
        figures["list_p50_ms"] = {name: round(s.ms(0.5), 2) for name, s in clients.run(lambda: clients.lists(server.base)).items()}
        waited, plain = clients.run(lambda: clients.min_position(server.base))
        figures["min_position_read_extra_ms"] = round(waited.ms(0.5) - plain.ms(0.5), 2)
        report = clients.run(lambda: clients.optional(server.base, "/v1/reports/monthly/2026-06", clients.CENTER, 5))
        figures["report_ms"] = round(1000 * statistics.median(report[0]), 2) if report else None
        verify = clients.run(lambda: clients.optional(server.base, "/v1/audit/verify", clients.AUDITOR, 1))
        figures["verify_events_per_s"] = round(verify[1]["events_checked"] / verify[0][0], 1) if verify and verify[1] else None
        figures["peak_rss_mb"] = round(server.peak_rss_mb() or 0, 1)

    note("the framework's floor: a bare FastAPI route, the bare library")
    with floor_server(store) as floor:
        clients.run(lambda: clients.floor_saves(floor.base, clients=1, items_per_client=3))
        floors, cpu = rounds_on(floor, lambda: clients.floor_saves(floor.base, clients=1, items_per_client=lifecycles), rounds)
        baseline["http_library_save_cpu_ms"] = cpu
        baseline["http_library_save_per_s"] = median([s.per_s for s in floors])
        baseline["http_library_save_p50_ms"] = median([s.ms(0.5) for s in floors])
        baseline["http_library_save_p99_ms"] = median([s.ms(0.99) for s in floors])
        floors16 = [clients.run(lambda: clients.floor_saves(floor.base, clients=16, items_per_client=max(2, lifecycles // 5))) for _ in range(rounds)]
        baseline["http_library_save_per_s_16"] = median([s.per_s for s in floors16])
        baseline["http_library_save_p99_ms_16"] = median([s.ms(0.99) for s in floors16])

    note("the server with its followers stopped (HOTLINE_FOLLOWERS=external)")
    with hotline_server(store, start, followers="external") as server:
        clients.run(lambda: clients.commands(server.base, clients=1, cases_per_client=3))
        stopped, cpu = rounds_on(server, lambda: clients.commands(server.base, clients=1, cases_per_client=lifecycles), rounds)
        figures["command_cpu_ms_followers_stopped"] = cpu
        figures["followers_cpu_overhead"] = round(figures["command_cpu_ms"] / cpu, 2) if cpu else None
        stopped_mean = median([s.mean_ms for s in stopped])
        figures["command_p50_ms_followers_stopped"] = median([s.ms(0.5) for s in stopped])
        figures["command_mean_ms"] = live_mean
        figures["command_mean_ms_followers_stopped"] = stopped_mean
        figures["followers_overhead"] = round(live_mean / stopped_mean, 2)

    if store.kind == "postgres":
        note("the server with its followers in a worker process (hotline projections run; HOTLINE_FOLLOWERS=external)")
        with Worker(store, start), hotline_server(store, start, followers="external") as server:
            clients.run(lambda: clients.commands(server.base, clients=1, cases_per_client=3))
            apart, _ = rounds_on(server, lambda: clients.commands(server.base, clients=1, cases_per_client=lifecycles), rounds)
            figures["command_mean_ms_worker"] = median([s.mean_ms for s in apart])
            figures["followers_overhead_worker"] = round(figures["command_mean_ms_worker"] / stopped_mean, 2)
            sixteen = [clients.run(lambda: clients.commands(server.base, clients=16, cases_per_client=max(2, lifecycles // 5))) for _ in range(rounds)]
            figures["command_p99_ms_16_worker"] = median([s.ms(0.99) for s in sixteen])
            figures["server_errors"] += sum(s.errors for s in (*apart, *sixteen))
            waited, plain = clients.run(lambda: clients.min_position(server.base))
            figures["min_position_read_extra_ms_worker"] = round(waited.ms(0.5) - plain.ms(0.5), 2)

    note("every read model rebuilt from scratch (bench.rebuild)")
    rebuilt = rebuild(store)
    figures["rebuild_events_per_s"] = round(rebuilt["events_per_s"], 1)
    figures["rebuild_seconds"] = round(rebuilt["seconds"], 2)
    figures["rebuild_peak_rss_mb"] = round(rebuilt["peak_rss_mb"], 1)
    figures["events"] = rebuilt["events"]
    figures["baseline"] = baseline
    figures["ratios"] = ratios(figures, baseline)
    figures["targets"] = targets(figures)
    figures["load"] = {k: summary.get(k) for k in ("seconds", "events", "write_events", "events_per_s", "rates", "findings", "statuses", "workers", "reused")}
    figures["run"] = {"rounds": rounds, "lifecycles": lifecycles, "months": plan.months, "seed": plan.seed, **machine()}
    return figures


def rounds_on(server: Any, measurement: Any, rounds: int) -> tuple[list[clients.Samples], float]:
    """``rounds`` runs of ``measurement``, and the server's median CPU time per request (ms) over them.

    CPU time per request is what contention on a shared machine changes least: it shows where a
    latency figure moved because the machine was busy rather than because the code changed.
    """
    found, cpu = [], []
    for _ in range(rounds):
        before = server.cpu_seconds()
        samples = clients.run(measurement)
        cpu.append(1000 * (server.cpu_seconds() - before) / max(len(samples.latencies), 1))
        found.append(samples)
    return found, median(cpu)


def case_rows(store: RunStore) -> list[tuple[str, int]]:
    if store.kind == "sqlite":
        import sqlite3

        with sqlite3.connect(store.directory / "hotline.sqlite3") as conn:
            return [(r[0], r[1]) for r in conn.execute("SELECT case_id, accepted_us FROM case_list ORDER BY case_id")]
    import psycopg

    with psycopg.connect(store.url) as conn:
        return [(r[0], r[1]) for r in conn.execute("SELECT case_id, accepted_us FROM case_list ORDER BY case_id")]


def rebuild(store: RunStore) -> dict[str, Any]:
    done = subprocess.run([sys.executable, "-m", "bench.rebuild"], env=store.env(), stdout=subprocess.PIPE, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def ratios(figures: dict[str, Any], baseline: dict[str, Any]) -> dict[str, float | None]:
    def ratio(a: Any, b: Any) -> float | None:
        return round(a / b, 3) if a and b else None

    return {
        "command_vs_http_library_save": ratio(figures["command_per_s"], baseline["http_library_save_per_s"]),
        "command_16_vs_http_library_save_16": ratio(figures["command_per_s_16"], baseline["http_library_save_per_s_16"]),
        "command_p50_vs_http_library_save_p50": ratio(figures["command_p50_ms"], baseline["http_library_save_p50_ms"]),
        "command_cpu_vs_http_library_save_cpu": ratio(figures["command_cpu_ms"], baseline["http_library_save_cpu_ms"]),
        "http_library_save_vs_library_save": ratio(baseline["http_library_save_per_s"], baseline["library_save_events_per_s"]),
        "append_vs_library_save": ratio(figures["append_events_per_s"], baseline["library_save_events_per_s"]),
        "append_vs_raw_insert": ratio(figures["append_events_per_s"], baseline["raw_insert_rows_per_s"]),
        "rebuild_vs_decode": ratio(figures["rebuild_events_per_s"], baseline["decode_events_per_s"]),
        "verify_vs_decode": ratio(figures["verify_events_per_s"], baseline["decode_events_per_s"]),
    }


def targets(figures: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    values = {**figures, **figures["ratios"]}
    for name, (op, bound) in TARGETS.items():
        limit = bound[figures["store"]] if isinstance(bound, dict) else bound
        value = values.get(name)
        met = None if value is None else (value >= limit if op == ">=" else value <= limit)
        found[name] = {"value": value, "target": f"{op} {limit}", "met": met}
    return found


def machine() -> dict[str, Any]:
    model = ""
    try:
        model = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines() if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False).stdout.strip()
    return {
        "date": datetime.now().isoformat(timespec="seconds"), "cpus": os.cpu_count(), "cpu": model,
        "python": platform.python_version(), "commit": commit,
    }


ROWS = (
    ("append_events_per_s", "raw_insert_rows_per_s", "append_vs_raw_insert"),
    ("command_per_s", "http_library_save_per_s", "command_vs_http_library_save"),
    ("command_p50_ms", "http_library_save_p50_ms", "command_p50_vs_http_library_save_p50"),
    ("command_p99_ms", "http_library_save_p99_ms", None),
    ("command_per_s_16", "http_library_save_per_s_16", "command_16_vs_http_library_save_16"),
    ("command_p99_ms_16", "http_library_save_p99_ms_16", None),
    ("accept_p99_ms_16", None, None),
    ("server_errors", None, None),
    ("command_cpu_ms", "http_library_save_cpu_ms", "command_cpu_vs_http_library_save_cpu"),
    ("command_cpu_ms_followers_stopped", None, None),
    ("followers_cpu_overhead", None, None),
    ("followers_overhead", None, None),
    ("command_mean_ms", None, None),
    ("command_mean_ms_followers_stopped", None, None),
    ("command_mean_ms_worker", None, None),
    ("followers_overhead_worker", None, None),
    ("command_p99_ms_16_worker", None, None),
    ("min_position_read_extra_ms_worker", None, None),
    ("rebuild_events_per_s", "decode_events_per_s", "rebuild_vs_decode"),
    ("rebuild_seconds", None, None),
    ("rebuild_peak_rss_mb", None, None),
    ("replay_p50_ms", None, None),
    ("replay_p99_ms", None, None),
    ("min_position_read_extra_ms", None, None),
    ("report_ms", None, None),
    ("verify_events_per_s", "decode_events_per_s", "verify_vs_decode"),
    ("peak_rss_mb", None, None),
    (None, "library_save_events_per_s", "append_vs_library_save"),
)


def print_table(figures: dict[str, Any]) -> None:
    baseline, ratio_values, goals = figures["baseline"], figures["ratios"], figures["targets"]
    print(f"\n{figures['store']}: {figures['cases']:,} cases, {figures['events']:,} events")
    print("| figure | value | baseline | value | ratio | target |")
    print("|---|---|---|---|---|---|")
    for name, base, ratio in ROWS:
        goal = goals.get(name) or goals.get(ratio or "")
        target = "" if goal is None else f"{goal['target']} ({'met' if goal['met'] else 'missed' if goal['met'] is False else 'n/a'})"
        print(
            f"| {name or ''} | {_fmt(figures.get(name)) if name else ''} | {base or ''} | {_fmt(baseline.get(base)) if base else ''} "
            f"| {_fmt(ratio_values.get(ratio)) if ratio else ''} | {target} |"
        )
    for name, value in figures["list_p50_ms"].items():
        print(f"| list_p50_ms {name} | {_fmt(value)} | | | | |")
    run = figures["run"]
    print(f"\n{run['cpus']} CPUs ({run['cpu']}), Python {run['python']}, commit {run['commit']}, {run['date']}; "
          f"median of {run['rounds']} rounds for command figures; load average before/after {run.get('load_average_before_after')}")


def _fmt(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.2f}" if abs(value) < 100 else f"{value:,.0f}"
    return str(value)


if __name__ == "__main__":
    raise SystemExit(main())
