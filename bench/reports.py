"""Reports at scale: ``.venv/bin/python -m bench.reports [--cases 1000000] [--units 80] [--log-cases 2000]``.

Two figures per store (SQLite file, PostgreSQL schema on 127.0.0.1:5432):

* **report latency at a year's scale**: the scorecard tables are filled directly with what a year of
  ``--cases`` cases over ``--units`` member units leaves in them (per-unit-month and per-staff-month
  totals of every figure, about 9 facts per case, the unit registry), then the monthly report (Art. 8),
  a unit's year scorecard and the assessment (Art. 18) are timed (p50/p95 of 20 runs each). They read
  totals, so they do not grow with the number of cases.
* **rebuild rate**: a log of ``--log-cases`` cases played through the application commands (accept,
  dispatch, sign, reply, revisit; a third left to lapse, some urged), then the scorecards read model
  dropped and rebuilt from the log in 2000-event transactions: events per second.
"""

from __future__ import annotations

import argparse
import base64
import os
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

import psycopg
from psycopg import sql

from foundation.actors import Actor
from foundation.application import Context
from cases.calendar import TZ
from hotline.bootstrap import Hotline, bootstrap
from hotline.settings import Settings
from projections.figures import FIGURES

START = datetime(2026, 1, 5, 9, 0, tzinfo=TZ)
ADMIN = Actor(staff="admin", unit="C", roles=("admin",))
CENTER = Actor(staff="center", unit="C", roles=("center",))
AGENT = Actor(staff="agent", unit="C", roles=("agent",))
STAFF_FIGURES = (
    "signed", "signed_on_time", "due", "replied", "replied_on_time", "overdue", "overdue_unjustified", "urgings", "supervision_met",
    "supervision_unmet", "redo", "revisited", "satisfied", "reply_mismatch", "findings", "sanctions",
)
PG_URL = os.environ.get("HOTLINE_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


@contextmanager
def store(kind: str) -> Iterator[str]:
    if kind == "sqlite":
        with tempfile.TemporaryDirectory() as directory:
            yield f"sqlite:///{directory}/bench.sqlite3"
        return
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    try:
        yield f"{PG_URL}?schema={schema}"
    finally:
        with psycopg.connect(PG_URL, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))


def built(url: str) -> Hotline:
    settings = Settings(
        database_url=url, jwt_secret="bench-" + "x" * 40, cipher_key=base64.b64encode(b"k" * 32).decode(), clock="manual",
        clock_start=START, followers="inline", var_dir=tempfile.gettempdir(),
    )
    hotline = bootstrap(settings)
    hotline.start()
    return hotline


def timed(call: Any, runs: int = 20) -> tuple[float, float]:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def fill(hotline: Hotline, cases: int, units: int) -> None:
    """What a year of ``cases`` cases leaves in the scorecard tables (synthetic, proportionate figures)."""
    rng = random.Random(7)
    view = hotline.scorecards
    unit_ids = [f"U{u:03d}" for u in range(units)]
    per_unit_month = cases / units / 12
    month_rows, staff_rows = [], []
    figures = [f for f in FIGURES]
    for unit in unit_ids:
        staff = [f"{unit}-s{s}" for s in range(10)]
        for m in range(1, 13):
            month = f"2026-{m:02d}"
            for figure in figures:
                n = int(per_unit_month * rng.uniform(0.01, 1.0)) if ":" not in figure else rng.randint(0, 20)
                month_rows.append((month, unit, figure, n))
                if figure in STAFF_FIGURES:
                    staff_rows.extend((month, unit, person, figure, n // 10) for person in staff)
    with view.sql.transaction() as cursor:
        cursor.executemany("INSERT INTO {t} VALUES (?,?,?,?,?) ON CONFLICT DO NOTHING",
                           [(u, f"单位{u}", "member", None, None) for u in unit_ids], t="rpt_units")
        cursor.executemany("INSERT INTO {t} (month, unit, figure, n) VALUES (?,?,?,?)", month_rows, t="rpt_month")
        for start in range(0, len(staff_rows), 20000):
            cursor.executemany("INSERT INTO {t} (month, unit, staff, figure, n) VALUES (?,?,?,?,?)", staff_rows[start:start + 20000], t="rpt_staff_month")
    total_facts = cases * 9
    batch = 50_000
    base_us = int(START.timestamp() * 1_000_000)
    case_figures = ["dispatched", "signed", "signed_on_time", "due", "replied", "replied_on_time", "revisited", "satisfied", "urgings"]
    for start in range(0, total_facts, batch):
        fact_rows = []
        entities = []
        for i in range(start, min(start + batch, total_facts)):
            case, figure = divmod(i, 9)
            unit = unit_ids[case % units]
            month = f"2026-{(case % 12) + 1:02d}"
            entity = f"case-{case:08d}"
            if figure == 0:
                entities.append((entity, "case", f"2026{case:09d}", "诉求摘要", "{}", "{}"))
            fact_rows.append((entity, f"{case_figures[figure]}|{unit}|{month}|round1", case_figures[figure], unit, month, "", "Replied", 3, base_us + i, None))
        with view.sql.transaction() as cursor:
            cursor.executemany("INSERT INTO {t} VALUES (?,?,?,?,?,?)", entities, t="rpt_entities")
            cursor.executemany("INSERT INTO {t} VALUES (?,?,?,?,?,?,?,?,?,?)", fact_rows, t="rpt_facts")
    if hotline.store.target.kind == "postgres":
        with view.sql.transaction() as cursor:
            for table in view.tables:
                cursor.execute("ANALYZE {t}", t=table)


def play_log(hotline: Hotline, cases: int) -> int:
    admin = hotline.admin
    ctx = Context(actor=ADMIN, now=START)
    for u in range(8):
        admin.register_unit(unit_id=f"U{u}", name=f"单位{u}", kind="member", parent_id=None, superior_id=None, ctx=ctx)
    from cases.values import Requester

    requester = Requester(name="张三", phone="13800000000")
    for i in range(cases):
        now = START + timedelta(minutes=7 * i)
        unit = f"U{i % 8}"
        handler = Actor(staff=f"{unit}-h", unit=unit, roles=("unit_handler",))
        case_id = hotline.cases.accept(
            channel="phone", category="c", summary=f"诉求{i}", content="内容", urgency="normal", requester=requester,
            confidential=False, unclear=False, flags=[], ctx=Context(actor=AGENT, now=now),
        ).aggregate.id
        hotline.cases.dispatch(case_id, lead_unit=unit, co_units=[], working_days=5, response_hours=None, ctx=Context(actor=CENTER, now=now))
        hotline.cases.sign(case_id, ctx=Context(actor=handler, now=now + timedelta(hours=1)))
        if i % 3 == 0:
            continue
        if i % 5 == 0:
            hotline.cases.urge(case_id, method="sms", unit=unit, ctx=Context(actor=CENTER, now=now + timedelta(days=1)))
        hotline.cases.reply(case_id, content="已办", outcome="resolved", ctx=Context(actor=handler, now=now + timedelta(days=2)))
        hotline.cases.revisit(case_id, satisfied=i % 4 != 0, reply_matches_facts=True, note="", satisfaction=None, ctx=Context(actor=AGENT, now=now + timedelta(days=3)))
    hotline.timekeeper.advance(START + timedelta(minutes=7 * cases, days=30), ctx=Context(actor=ADMIN, now=hotline.clock.now()))
    hotline.followers.catch_up()
    return hotline.store.head()


def rebuild_rate(hotline: Hotline) -> tuple[int, float]:
    runner = hotline.followers.alone("scorecards")
    hotline.store.recorder.delete_tracking("scorecards")
    runner.follower.setup()
    started, handled, position = time.perf_counter(), 0, 0
    while batch := hotline.store.recorder.select_notifications(start=position, limit=2000, topics=runner.follower.topics, inclusive_of_start=False):
        runner.handle(batch)
        handled += len(batch)
        position = batch[-1].id
    runner.follower.view.index()  # built without its secondary indexes: they are made at the end, and timed
    return handled, handled / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(prog="bench.reports")
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--units", type=int, default=80)
    parser.add_argument("--log-cases", type=int, default=2000)
    parser.add_argument("--stores", default="sqlite,postgres")
    args = parser.parse_args()
    results: dict[str, dict[str, Any]] = {}
    for kind in args.stores.split(","):
        row: dict[str, Any] = {}
        with store(kind) as url:
            hotline = built(url)
            try:
                started = time.perf_counter()
                fill(hotline, args.cases, args.units)
                row["fill_s"] = round(time.perf_counter() - started, 1)
                row["fact_rows"] = args.cases * 9
                reports = hotline.reports
                reports.monthly("2026-10")
                row["monthly_p50_ms"], row["monthly_p95_ms"] = (round(x, 1) for x in timed(lambda: reports.monthly("2026-10")))
                row["scorecard_year_p50_ms"], row["scorecard_year_p95_ms"] = (round(x, 1) for x in timed(lambda: reports.scorecard("U001", "2026", CENTER)))
                row["assessment_p50_ms"], row["assessment_p95_ms"] = (round(x, 1) for x in timed(lambda: reports.assessment("2026")))
                row["analysis_staff_p50_ms"], row["analysis_staff_p95_ms"] = (round(x, 1) for x in timed(lambda: reports.analysis("2026-10", "staff"), 5))
            finally:
                hotline.close()
        with store(kind) as url:
            hotline = built(url)
            try:
                row["log_events"] = play_log(hotline, args.log_cases)
                row["rebuild_events"], rate = rebuild_rate(hotline)
                row["rebuild_events_per_s"] = round(rate)
            finally:
                hotline.close()
        results[kind] = row
    keys = list(next(iter(results.values())))
    print(f"| figure | {' | '.join(results)} |")
    print(f"|---|{'---|' * len(results)}")
    for key in keys:
        print(f"| {key} | {' | '.join(str(results[k][key]) for k in results)} |")
    print(f"\n{args.cases} cases a year over {args.units} units; {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
