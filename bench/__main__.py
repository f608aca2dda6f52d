"""Benchmarks: ``make bench`` (or ``.venv/bin/python -m bench --cases 500``).

For each store (SQLite file, PostgreSQL schema on 127.0.0.1:5432) it measures, on this machine:

* commands: accept + dispatch + sign per case through the HTTP API (in-process ASGI), followers live;
* reads: ``GET /v1/cases/{id}`` and ``GET /v1/cases?status=signed`` latencies (p50/p95);
* read-your-writes: a command then ``GET /v1/cases?min_position=`` for it;
* time: moving the simulated clock over every case's deadline (the timekeeper, then the rules process);
* rebuild: dropping the case index and catching it up from the log.

Figures go to stdout as a Markdown table; BENCHMARKS.md keeps the ones recorded for the project.
"""

from __future__ import annotations

import argparse
import base64
import os
import tempfile
import time
import uuid
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

import psycopg
from psycopg import sql

from hotline.web import create_app
from api.auth import issue_token
from foundation.actors import Actor
from cases.calendar import TZ
from foundation.application import Context
from hotline.bootstrap import Hotline, bootstrap
from hotline.settings import Settings
from projections.findings_index import FindingFilter

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

SECRET = "bench-secret-" + "x" * 40
START = datetime(2026, 9, 28, 9, 0, tzinfo=TZ)
ADMIN = Actor(staff="admin", unit="C", roles=("admin",))
PG_URL = os.environ.get("HOTLINE_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def headers(role: str, unit: str) -> dict[str, str]:
    token = issue_token(SECRET, sub=f"{unit}-{role}", unit=unit, roles=[role], now=datetime.now(TZ), ttl=timedelta(hours=2))
    return {"Authorization": f"Bearer {token}"}


@contextmanager
def store(kind: str) -> Iterator[str]:
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as directory:
            yield f"sqlite:///{directory}/bench.sqlite3"
        return
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    base = PG_URL.rsplit("/", 1)[0] + "/test"
    try:
        yield f"{base}?schema={schema}"
    finally:
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))


def timed(samples: list[float], call: Callable[[], Any]) -> Any:
    began = time.perf_counter()
    result = call()
    samples.append(time.perf_counter() - began)
    return result


def ms(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return 1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def run(kind: str, cases: int) -> dict[str, Any]:
    with store(kind) as url:
        settings = Settings(
            database_url=url, jwt_secret=SECRET, cipher_key=base64.b64encode(os.urandom(32)).decode(),
            clock="manual", clock_start=START, followers="embedded", wait_timeout=30,
        )
        hotline = bootstrap(settings)
        hotline.start()
        try:
            return measure(hotline, cases)
        finally:
            hotline.close()


def measure(hotline: Hotline, cases: int) -> dict[str, Any]:
    ctx = Context(actor=ADMIN, now=START)
    hotline.admin.register_unit(unit_id="C", name="center", kind="center", parent_id=None, superior_id=None, ctx=ctx)
    units = [f"U{i}" for i in range(10)]
    for unit in units:
        hotline.admin.register_unit(unit_id=unit, name=unit, kind="member", parent_id=None, superior_id=None, ctx=ctx)
    agent, center = headers("agent", "C"), headers("center", "C")
    body = {"channel": "phone", "category": "roads", "summary": "pothole", "content": "a deep pothole",
            "requester": {"name": "张三", "phone": "13812345678"}}
    figures: dict[str, Any] = {"cases": cases}
    with TestClient(create_app(hotline=hotline)) as client:
        commands: list[float] = []
        ids = []
        began = time.perf_counter()
        for i in range(cases):
            unit = units[i % len(units)]
            case = timed(commands, lambda: client.post("/v1/cases", json=body, headers=agent)).json()
            timed(commands, lambda: client.post(f"/v1/cases/{case['id']}/dispatch", json={"lead_unit": unit}, headers=center))
            timed(commands, lambda: client.post(f"/v1/cases/{case['id']}/sign", json={}, headers=headers("unit_handler", unit)))
            ids.append(case["id"])
        elapsed = time.perf_counter() - began
        figures["commands_per_s"] = 3 * cases / elapsed
        figures["command_p50_ms"] = ms(commands, 0.5)
        figures["command_p95_ms"] = ms(commands, 0.95)

        reads: list[float] = []
        for case_id in ids[: min(cases, 300)]:
            timed(reads, lambda: client.get(f"/v1/cases/{case_id}", headers=center))
        figures["get_case_p50_ms"], figures["get_case_p95_ms"] = ms(reads, 0.5), ms(reads, 0.95)
        lists: list[float] = []
        for _ in range(50):
            timed(lists, lambda: client.get("/v1/cases", params={"status": "signed", "page_size": 50}, headers=center))
        figures["list_p50_ms"], figures["list_p95_ms"] = ms(lists, 0.5), ms(lists, 0.95)

        ryw: list[float] = []
        for i, case_id in enumerate(ids[:50]):
            urging = {"method": "phone", "unit": units[i % len(units)]}

            def write_then_read(case_id: str = case_id, urging: dict[str, str] = urging) -> None:
                answer = client.post(f"/v1/cases/{case_id}/urgings", json=urging, headers=center).json()
                client.get("/v1/cases", params={"min_position": answer["position"], "page_size": 1}, headers=center)

            timed(ryw, write_then_read)
        figures["write_then_read_p50_ms"], figures["write_then_read_p95_ms"] = ms(ryw, 0.5), ms(ryw, 0.95)

    began = time.perf_counter()
    moved = hotline.timekeeper.advance(datetime(2026, 11, 30, tzinfo=TZ), ctx=Context(actor=ADMIN, now=hotline.clock.now()))
    recorded, position = moved.result["recorded"], moved.position
    figures["timekeeper_facts"] = recorded
    figures["timekeeper_facts_per_s"] = recorded / (time.perf_counter() - began)
    began = time.perf_counter()
    assert hotline.consistent(position)
    figures["rules_and_views_catch_up_s"] = time.perf_counter() - began
    figures["findings"] = len(hotline.findings_index.list(FindingFilter(), page_size=500, page_token=None)[0])

    head = hotline.store.head()
    hotline.followers.stop()
    hotline.index.reset()
    began = time.perf_counter()
    hotline.followers.catch_up()
    figures["index_rebuild_events_per_s"] = head / (time.perf_counter() - began)
    figures["events"] = head
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=300)
    parser.add_argument("--store", choices=["sqlite", "postgres", "both"], default="both")
    args = parser.parse_args()
    kinds = ["sqlite", "postgres"] if args.store == "both" else [args.store]
    results = {kind: run(kind, args.cases) for kind in kinds}
    keys = list(next(iter(results.values())))
    print("| figure | " + " | ".join(kinds) + " |")
    print("|---|" + "---|" * len(kinds))
    for key in keys:
        cells = [f"{results[k][key]:.1f}" if isinstance(results[k][key], float) else str(results[k][key]) for k in kinds]
        print(f"| {key} | " + " | ".join(cells) + " |")
    print(f"\n{os.cpu_count()} cores; one run per store; latencies include the in-process ASGI round trip")


if __name__ == "__main__":
    main()
