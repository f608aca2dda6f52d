"""Fresh stores for a run, loaded by ``hotline simulate``, and the store-level baselines.

A run gets its own store: a SQLite file in a temporary directory, or a PostgreSQL database of its
own on ``HOTLINE_BENCH_POSTGRES_URL``. It is loaded by ``hotline simulate`` in a subprocess (the
application layer, the figure ``append_events_per_s``). With ``--reuse`` a loaded store is kept
under ``var/bench/`` (a SQLite file, a PostgreSQL template database) with the load's summary, and
later runs of the same size and seed start from a copy of it instead of loading again.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

CIPHER_KEY = base64.b64encode(b"hotline bench: not a secret key!").decode()
JWT_SECRET = "bench-secret-" + "x" * 40
PG_URL = os.environ.get("HOTLINE_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
CACHE = Path("var/bench")


@dataclass(frozen=True)
class Load:
    cases: int
    start: date
    months: int
    seed: int
    workers: int = 1

    @property
    def key(self) -> str:
        return f"{self.cases}-{self.months}m-s{self.seed}"


@dataclass
class RunStore:
    """Where one run's store lives."""

    kind: str
    url: str
    directory: Path
    database: str = ""

    def env(self, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("HOTLINE_")}
        env.update(
            HOTLINE_DATABASE_URL=self.url, HOTLINE_CIPHER_KEY=CIPHER_KEY, HOTLINE_JWT_SECRET=JWT_SECRET,
            HOTLINE_VAR_DIR=str(self.directory), HOTLINE_WAIT_TIMEOUT="10", BENCH_FLOOR_SQLITE=str(self.directory / "floor.sqlite3"),
        )
        env.update(extra)
        return env


def _pg(dbname: str) -> str:
    return PG_URL.rsplit("/", 1)[0] + "/" + dbname


@contextmanager
def fresh_store(kind: str, directory: Path, *, template: str | None = None) -> Iterator[RunStore]:
    """An empty store of ``kind`` (on PostgreSQL a database of its own, copied from ``template`` if given), dropped afterwards."""
    if kind == "sqlite":
        yield RunStore(kind, f"sqlite:///{directory / 'hotline.sqlite3'}", directory)
        return
    name = f"hotline_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_URL, autocommit=True) as admin:
        if template is None:
            admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        else:
            admin.execute(sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name), sql.Identifier(template)))
    try:
        yield RunStore(kind, _pg(name), directory, name)
    finally:
        with psycopg.connect(PG_URL, autocommit=True) as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


# ------------------------------------------------------------------ loading


def load(store: RunStore, plan: Load, *, reuse: bool, progress: bool) -> dict[str, Any]:
    """Fill the fresh store with ``plan``'s cases (from the kept copy with ``reuse``); returns simulate's summary."""
    kept = CACHE / f"{store.kind}-{plan.key}.json"
    if reuse and kept.exists() and _restore(store, plan):
        summary = json.loads(kept.read_text())
        summary["reused"] = True
        return summary
    summary = simulate(store, plan, progress=progress)
    if reuse:
        _keep(store, plan)
        CACHE.mkdir(parents=True, exist_ok=True)
        kept.write_text(json.dumps(summary, ensure_ascii=False))
    return summary


def simulate(store: RunStore, plan: Load, *, progress: bool) -> dict[str, Any]:
    command = [
        sys.executable, "-m", "hotline.cli", "simulate", "--cases", str(plan.cases), "--from", plan.start.isoformat(),
        "--months", str(plan.months), "--seed", str(plan.seed), "--workers", str(plan.workers), "--json",
    ]
    if not progress:
        command.append("--quiet")
    done = subprocess.run(command, env=store.env(), stdout=subprocess.PIPE, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"hotline simulate failed ({done.returncode}):\n{done.stdout[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _template(plan: Load) -> str:
    return f"hotline_bench_tpl_{plan.key.replace('-', '_')}"


def _restore(store: RunStore, plan: Load) -> bool:
    if store.kind == "sqlite":
        source = CACHE / f"sqlite-{plan.key}.sqlite3"
        if not source.exists():
            return False
        shutil.copyfile(source, store.directory / "hotline.sqlite3")
        return True
    with psycopg.connect(PG_URL, autocommit=True) as admin:
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname=%s", (_template(plan),)).fetchone():
            return False
        admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(store.database)))
        admin.execute(sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(store.database), sql.Identifier(_template(plan))))
    return True


def _keep(store: RunStore, plan: Load) -> None:
    CACHE.mkdir(parents=True, exist_ok=True)
    if store.kind == "sqlite":
        with sqlite3.connect(store.directory / "hotline.sqlite3") as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        shutil.copyfile(store.directory / "hotline.sqlite3", CACHE / f"sqlite-{plan.key}.sqlite3")
        return
    with psycopg.connect(PG_URL, autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(_template(plan))))
        admin.execute(sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(_template(plan)), sql.Identifier(store.database)))


# ------------------------------------------------------------------ store-level baselines


def raw_insert_rows_per_s(store: RunStore, seconds: float = 3.0) -> float:
    """Rows shaped like stored events (id, version, topic, ~400-byte state), one per committed transaction."""
    state = os.urandom(400)
    topic = "cases.events:Signed"
    count, began = 0, time.perf_counter()
    if store.kind == "sqlite":
        conn = sqlite3.connect(store.directory / "raw.sqlite3", isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("CREATE TABLE raw (originator_id TEXT, originator_version INTEGER, topic TEXT, state BLOB, PRIMARY KEY (originator_id, originator_version))")
        while time.perf_counter() - began < seconds:
            conn.execute("BEGIN")
            conn.execute("INSERT INTO raw VALUES (?,?,?,?)", (uuid.uuid4().hex, 1, topic, state))
            conn.execute("COMMIT")
            count += 1
        conn.close()
    else:
        with psycopg.connect(store.url.split("?")[0], autocommit=True) as conn:
            conn.execute(
                "CREATE TABLE bench_raw (notification_id BIGSERIAL, originator_id UUID, originator_version INTEGER, "
                "topic TEXT, state BYTEA, PRIMARY KEY (originator_id, originator_version))"
            )
            began = time.perf_counter()
            while time.perf_counter() - began < seconds:
                with conn.transaction():
                    conn.execute("INSERT INTO bench_raw (originator_id, originator_version, topic, state) VALUES (%s,%s,%s,%s)", (uuid.uuid4(), 1, topic, state))
                count += 1
            conn.execute("DROP TABLE bench_raw")
    return count / (time.perf_counter() - began)


def library_save(store: RunStore, operations: int = 1500) -> dict[str, float]:
    """The bare library in this process: get + 1 event + save, one after another (no HTTP)."""
    from bench.floor import NOTE, Floor, Item, floor_env

    floor = Floor(env=floor_env(store.url, CIPHER_KEY, str(store.directory / "floor-direct.sqlite3")))
    created = [Item(note=NOTE) for _ in range(operations)]
    for start in range(0, operations, 200):
        floor.save(*created[start : start + 200])
    samples = []
    began = time.perf_counter()
    for item in created:
        t = time.perf_counter()
        loaded = floor.repository.get(item.id)
        loaded.bump(NOTE)
        floor.save(loaded)
        samples.append(time.perf_counter() - t)
    elapsed = time.perf_counter() - began
    floor.close()
    samples.sort()
    return {"per_s": operations / elapsed, "p50_ms": 1000 * samples[len(samples) // 2]}


def decode_events_per_s(store: RunStore) -> tuple[int, float]:
    """Read, decrypt and decode every event of the log, in pages, as a follower reads it."""
    from foundation.store import Store, StoreConfig
    from hotline.settings import Settings

    import hotline.bootstrap  # noqa: F401 - every event class, so every topic resolves

    settings = Settings(database_url=store.url, cipher_key=CIPHER_KEY)
    log = Store(StoreConfig(target=settings.database, cipher_key=CIPHER_KEY))
    try:
        position, count = 0, 0
        began = time.perf_counter()
        while batch := log.read(position, 500):
            for notification in batch:
                log.mapper.to_domain_event(notification)
            count += len(batch)
            position = batch[-1].id
        return count, count / (time.perf_counter() - began)
    finally:
        log.close()
