"""Audit benchmarks: ``python -m bench.audit`` (``--events``, ``--tree-size``, ``--stores``).

On a fresh store per database (a SQLite file; a PostgreSQL schema on 127.0.0.1:5432) it writes
``--events`` synthetic stored events (random 380-byte states, the size of an encrypted case event,
ten versions per aggregate) straight through the recorder, then measures:

* ``tree_events_per_s``: the integrity-tree follower appending them (leaf + node hashes, rows, tracking);
* ``verify_events_per_s``: the full check (every row re-hashed, every stored node recomputed, one head);
* ``aggregate_proof_ms``: inclusion proofs of one aggregate's ten events against the signed head, as
  ``GET /v1/cases/{id}/proof`` builds them (its rows, their leaf indexes, one node query), p50/p95;
* ``leaf_proof_ms`` / ``consistency_ms``: one inclusion path / one consistency proof, p50/p95.

Then, for proof latency at scale without writing millions of events, a tree of ``--tree-size``
leaves is built directly from synthetic leaf hashes with the follower's own append, and the same
proofs are timed on it (``big_*``): a proof reads O(log n) stored nodes, whatever n is.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from eventsourcing.persistence import StoredEvent, Tracking
from psycopg import sql

from foundation.database import DatabaseTarget
from foundation.projection import Runner
from foundation.store import Store, StoreConfig
from replay.heads import Heads, Signer
from replay.integrity import verify
from replay.merkle import leaf_hash
from replay.tree import IntegrityTree, TreeView

ADMIN_URL = os.environ.get("HOTLINE_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
TOPIC = "cases.events:Urged"


@contextmanager
def fresh_store(kind: str, directory: str) -> Iterator[Store]:
    if kind == "sqlite":
        store = Store(StoreConfig(DatabaseTarget.parse(f"sqlite:///{directory}/bench-{uuid.uuid4().hex[:6]}.sqlite3")))
        try:
            yield store
        finally:
            store.close()
        return
    schema = f"bench_audit_{uuid.uuid4().hex[:8]}"
    store = Store(StoreConfig(DatabaseTarget.parse(f"{ADMIN_URL}?schema={schema}")))
    try:
        yield store
    finally:
        store.close()
        with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))


def settle(store: Store, *tables: str) -> None:
    """PostgreSQL: vacuum and analyse freshly bulk-written tables, as autovacuum would in a steady state."""
    if store.target.kind != "postgres":
        return
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        for table in tables:
            conn.execute(sql.SQL("VACUUM ANALYZE {}").format(sql.Identifier(store.target.schema_name, table)))


def timed(samples: int, run: Callable[[int], Any]) -> tuple[float, float]:
    """p50 and p95 in milliseconds of ``run(i)`` over ``samples`` calls."""
    times = []
    for i in range(samples):
        started = time.perf_counter()
        run(i)
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1]


def write_events(store: Store, count: int) -> list[uuid.UUID]:
    rng = random.Random(7)
    aggregates = []
    for start in range(0, count, 1000):
        batch = []
        for i in range(start, min(start + 1000, count)):
            if i % 10 == 0:
                aggregates.append(uuid.uuid4())
            batch.append(StoredEvent(aggregates[-1], i % 10 + 1, TOPIC, rng.randbytes(380)))
        store.recorder.insert_events(batch)
    return aggregates


def bench_store(kind: str, events: int, samples: int, directory: str) -> dict[str, float]:
    figures: dict[str, float] = {}
    with fresh_store(kind, directory) as store:
        aggregates = write_events(store, events)
        tree = TreeView(store)
        runner = Runner(IntegrityTree(tree), store)
        runner.follower.setup()
        started = time.perf_counter()
        while runner.step():
            pass
        figures["tree_events_per_s"] = events / (time.perf_counter() - started)
        settle(store, "hotline_events", "audit_leaves", "audit_nodes")
        heads = Heads(store.sql)
        heads.setup()
        signer = Signer(Ed25519PrivateKey.generate(), "bench.hotline/events")
        size = tree.size()
        head = signer.sign(size, tree.root(size), __import__("datetime").datetime.now().astimezone())
        heads.add(head)
        report = verify(store, tree, heads.all(), signer.public_key)
        assert report.ok, report.problems[:3]
        figures["verify_events_per_s"] = report.events_checked / report.seconds

        rng = random.Random(11)

        def aggregate_proof(_: int) -> None:
            rows = store.recorder.select_positioned(rng.choice(aggregates))
            tree.paths_for([position for position, _ in rows], size)

        figures["aggregate_proof_p50_ms"], figures["aggregate_proof_p95_ms"] = timed(samples, aggregate_proof)
        figures["leaf_proof_p50_ms"], figures["leaf_proof_p95_ms"] = timed(samples, lambda _: tree.inclusion([rng.randrange(size)], size))
        figures["consistency_p50_ms"], figures["consistency_p95_ms"] = timed(samples, lambda _: tree.consistency(rng.randrange(1, size), size))
    return figures


def bench_big_tree(kind: str, leaves: int, samples: int, directory: str) -> dict[str, float]:
    """A tree of ``leaves`` synthetic leaf hashes (no events), built with the follower's own append."""
    figures: dict[str, float] = {}
    with fresh_store(kind, directory) as store:
        tree = TreeView(store)
        tree.name = "bench_tree"
        tree.setup()
        started = time.perf_counter()
        step = 100_000
        for start in range(0, leaves, step):
            end = min(start + step, leaves)
            with tree.batch(Tracking(tree.name, end)):
                tree.append([(i + 1, leaf_hash(i.to_bytes(8, "big"))) for i in range(start, end)])
        figures["big_build_leaves_per_s"] = leaves / (time.perf_counter() - started)
        settle(store, "audit_leaves", "audit_nodes")
        rng = random.Random(13)

        def ten_leaves(_: int) -> None:  # as a case's proof reads them: by position, then the nodes
            first = rng.randrange(leaves - 40)
            tree.paths_for(list(range(first + 1, first + 41, 4)), leaves)

        figures["big_leaf_proof_p50_ms"], figures["big_leaf_proof_p95_ms"] = timed(samples, lambda _: tree.inclusion([rng.randrange(leaves)], leaves))
        figures["big_ten_leaf_proof_p50_ms"], figures["big_ten_leaf_proof_p95_ms"] = timed(samples, ten_leaves)
        figures["big_consistency_p50_ms"], figures["big_consistency_p95_ms"] = timed(samples, lambda _: tree.consistency(rng.randrange(1, leaves), leaves))
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.audit", description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=100_000, help="synthetic events written and verified (default 100000)")
    parser.add_argument("--tree-size", type=int, default=1_000_000, help="leaves of the big tree for proof latency (default 1000000)")
    parser.add_argument("--samples", type=int, default=300, help="proofs timed per figure")
    parser.add_argument("--stores", default="sqlite,postgres", help="comma-separated: sqlite, postgres")
    args = parser.parse_args(argv)
    stores = [s for s in args.stores.split(",") if s]
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="hotline-bench-audit-") as directory:
        for kind in stores:
            results[kind] = bench_store(kind, args.events, args.samples, directory)
            if args.tree_size:
                results[kind] |= bench_big_tree(kind, args.tree_size, args.samples, directory)
    names = list(dict.fromkeys(name for figures in results.values() for name in figures))
    print(f"events {args.events}, big tree {args.tree_size} leaves, {args.samples} samples\n")
    print("| figure | " + " | ".join(stores) + " |")
    print("|---|" + "---|" * len(stores))
    for name in names:
        print(f"| {name} | " + " | ".join(f"{results[kind].get(name, float('nan')):,.1f}" for kind in stores) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
