"""``python -m bench.wait``: how long the read-your-writes wait after a command takes, in process.

The workload of ``bench.instructions`` (case lifecycles through the application layer, the
followers live in their threads, each command followed by ``consistent``), timed: the wait's p50
and mean, which is what a ``min_position`` read pays beyond the command (``bench``'s
``min_position_read_extra_ms`` measures the same through HTTP, with more around it). On SQLite or
on PostgreSQL (a schema of its own, dropped afterwards). ``--code DIR`` (repeatable) measures
other checkouts with the same workload, in alternation, ``--rounds`` times: on a machine whose
speed drifts, only figures taken in alternation compare.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path
from typing import Any

from bench.stores import PG_URL


def _workload() -> Any:
    """``play`` from this checkout's ``bench/instructions.py``, whatever checkout's code it drives (``--code``)."""
    spec = importlib.util.spec_from_file_location("hotline_bench_workload", Path(__file__).with_name("instructions.py"))
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module.play


def measure(store: str, lifecycles: int) -> dict[str, float]:
    """One run of the workload in this process, with this process's code."""
    timed: list[float] = []
    play = _workload()
    with tempfile.TemporaryDirectory(prefix="hotline-wait-") as tmp:
        if store == "sqlite":
            play(lifecycles, followers="embedded", directory=Path(tmp), timed=timed)
        else:
            import psycopg
            from psycopg import sql

            schema = f"wait_{uuid.uuid4().hex[:10]}"
            try:
                play(lifecycles, followers="embedded", directory=Path(tmp), database_url=f"{PG_URL}?schema={schema}", timed=timed)
            finally:
                with psycopg.connect(PG_URL, autocommit=True) as conn:
                    conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))
    ms = [t * 1000 for t in timed]
    return {"wait_p50_ms": round(statistics.median(ms), 2), "wait_mean_ms": round(statistics.mean(ms), 2), "waits": len(ms)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.wait", description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--lifecycles", type=int, default=40, help="cases from acceptance to the reply (4 commands, 4 waits each)")
    parser.add_argument("--code", type=Path, action="append", default=[], help="a checkout to measure (repeat; default: this one)")
    parser.add_argument("--rounds", type=int, default=3, help="runs of each checkout, in alternation")
    parser.add_argument("--once", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.once:
        print(json.dumps(measure(args.store, args.lifecycles)))
        return 0
    codes = [code.resolve() for code in args.code] or [Path.cwd()]
    runs: list[list[dict[str, float]]] = [[] for _ in codes]
    for _ in range(args.rounds):
        for code, found in zip(codes, runs, strict=True):
            command = [sys.executable, str(Path(__file__).resolve()), "--once", "--store", args.store, "--lifecycles", str(args.lifecycles)]
            done = subprocess.run(command, cwd=code, env={**os.environ, "PYTHONPATH": str(code)}, capture_output=True, text=True, check=False)  # noqa: S603 - our own workload
            if done.returncode != 0:
                print(f"python -m bench.wait: the run on {code} failed:\n{done.stderr[-3000:]}", file=sys.stderr)
                return 1
            found.append(json.loads(done.stdout.strip().splitlines()[-1]))
    summary = []
    for code, found in zip(codes, runs, strict=True):
        p50s = [run["wait_p50_ms"] for run in found]
        print(f"{code}: wait p50 per run {', '.join(f'{p:.2f}' for p in p50s)} ms; median {statistics.median(p50s):.2f} ms")
        summary.append({"code": str(code), "store": args.store, "wait_p50_ms": p50s, "median_p50_ms": statistics.median(p50s)})
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
