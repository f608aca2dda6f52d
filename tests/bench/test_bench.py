"""The bench harness, end to end at a tiny size: the real server, its baselines, one JSON object last."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


WORKER_FIGURES = ("command_mean_ms_worker", "followers_overhead_worker", "command_p99_ms_16_worker", "min_position_read_extra_ms_worker")
"""Measured on PostgreSQL only: the followers in a worker process beside the server."""


@pytest.mark.parametrize("store", ["sqlite", "postgres"])
def test_bench_runs_and_prints_its_figures_as_json(store: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--cases", "40", "--months", "1", "--store", store, "--rounds", "1", "--lifecycles", "2", "--json"],
        cwd=ROOT, capture_output=True, text=True, timeout=600, check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    assert figures["store"] == store and figures["cases"] == 40 and figures["server_errors"] == 0
    for name in (
        "events", "append_events_per_s", "command_per_s", "command_p50_ms", "command_p99_ms", "command_per_s_16",
        "command_p99_ms_16", "followers_overhead", "rebuild_events_per_s", "replay_p99_ms", "min_position_read_extra_ms",
        "peak_rss_mb", *(WORKER_FIGURES if store == "postgres" else ()),
    ):
        assert isinstance(figures[name], int | float), name
        assert figures[name] > 0 or name.startswith("min_position_read_extra_ms"), name  # a difference of two latencies may be <= 0
    if store == "sqlite":
        assert all(figures.get(name) is None for name in WORKER_FIGURES)
    assert set(figures["list_p50_ms"]) == {"status", "unit", "month", "overdue", "supervised"}
    assert "report_ms" in figures and "verify_events_per_s" in figures
    baseline = figures["baseline"]
    for name in ("raw_insert_rows_per_s", "library_save_events_per_s", "http_library_save_per_s", "decode_events_per_s"):
        assert baseline[name] > 0, name
    assert figures["ratios"]["command_vs_http_library_save"] > 0
    assert figures["ratios"]["rebuild_vs_decode"] > 0
    assert figures["targets"]["followers_overhead"]["target"] == "<= 1.3"


def test_the_instruction_count_workload_plays_with_the_followers_live_and_stopped(tmp_path: Path) -> None:
    """``bench.instructions`` counts the same lifecycles twice: with the followers live every command's
    case reaches the case index; stopped, nothing does (the difference is what the followers cost).

    SQLite only, as the tool is: it counts the instructions of one process, and a PostgreSQL server's
    work happens in processes of its own."""
    import sqlite3

    for followers, listed in (("embedded", 5), ("external", 0)):
        directory = tmp_path / followers
        directory.mkdir()
        done = subprocess.run(
            [sys.executable, "-m", "bench.instructions", "--play", "2", "--followers", followers, "--directory", str(directory)],
            cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        with sqlite3.connect(directory / "hotline.sqlite3") as conn:
            tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            rows = conn.execute("SELECT count(*) FROM case_list").fetchone()[0] if "case_list" in tables else 0
            replied = conn.execute("SELECT count(*) FROM case_list WHERE status = 'replied'").fetchone()[0] if rows else 0
        assert (rows, replied) == (listed, listed), followers



@pytest.mark.parametrize("store", ["sqlite", "postgres"])
def test_the_wait_tool_times_every_wait_after_the_warm_up_and_compares_checkouts_in_alternation(store: str) -> None:
    """``bench.wait`` plays the same lifecycles with the followers live and times each read-your-writes
    wait (2 lifecycles of 4 commands: 8 waits), for each checkout given, round after round."""
    done = subprocess.run(
        [sys.executable, "-m", "bench.wait", "--store", store, "--lifecycles", "2", "--rounds", "2", "--code", str(ROOT), "--code", str(ROOT)],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    assert [run["store"] for run in summary] == [store, store]
    assert all(len(run["wait_p50_ms"]) == 2 and all(p > 0 for p in run["wait_p50_ms"]) for run in summary)
