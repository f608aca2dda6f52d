"""The integrity tree of the event log (RFC 9162), kept by an exactly-once follower of the log.

Every stored event becomes a leaf in commit order: ``leaf_input`` is the stored record (originator
id, version, topic and the stored, encrypted state; see ``verify_proof.encode_leaf``). The log's
positions have permanent holes (a failed transaction burns its ids), so the tree numbers its leaves
densely: ``audit_leaves`` maps leaf index to position. ``audit_nodes`` holds every complete subtree
by its post-order number (``merkle.seq``), so proofs read O(log n) rows and never rebuild anything.

The follower reads *all* events in position order, the stored bytes themselves (it decodes and
decrypts nothing), and writes a batch's leaves, nodes and its tracking position in one
transaction: a crash or a rival process never skips nor doubles a leaf.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from eventsourcing.persistence import Tracking

from foundation.projection import SqlProjection, View
from foundation.store import Store
from replay.merkle import EMPTY_ROOT, Frontier, Node, consistency_plan, encode_leaf, inclusion_plan, leaf_hash, nodes_in, resolve, root_plan, seq

LEAVES = "audit_leaves"
NODES = "audit_nodes"
CHUNK = 400
"""Rows per ``IN (...)`` list (both databases accept far more; this keeps statements small)."""


class TreeView(View):
    """The tree's leaves (index → position) and nodes (post-order number → hash)."""

    name = "audit_tree"
    tables = (LEAVES, NODES)

    def __init__(self, store: Store) -> None:
        super().__init__(store)

    def schema(self) -> list[str]:
        integer, blob = ("INTEGER", "BLOB") if self.sql.kind == "sqlite" else ("BIGINT", "BYTEA")
        return [
            f"CREATE TABLE IF NOT EXISTS {{{LEAVES}}} (leaf_index {integer} PRIMARY KEY, position {integer} NOT NULL UNIQUE)",
            f"CREATE TABLE IF NOT EXISTS {{{NODES}}} (seq {integer} PRIMARY KEY, hash {blob} NOT NULL)",
        ]

    # ------------------------------------------------------------ writing

    def append(self, records: Sequence[tuple[int, bytes]]) -> None:
        """Append leaves ``(position, leaf hash)`` inside the open batch, with every node they complete."""
        cursor = self.cursor
        kept: Frontier | None = self.kept()
        if kept is not None:
            frontier = kept.copy()
        else:
            size = self._size(cursor)
            edge = self._nodes(cursor, root_plan(size))
            frontier = Frontier(size, [edge[node] for node in root_plan(size)])
        next_seq = nodes_in(frontier.size)
        leaves, nodes = [], []
        for position, hashed in records:
            leaves.append((frontier.size, position))
            for node in frontier.append(hashed):
                nodes.append((next_seq, node))
                next_seq += 1
        cursor.executemany("INSERT INTO {t} (leaf_index, position) VALUES (?,?)", leaves, t=LEAVES)
        cursor.executemany("INSERT INTO {t} (seq, hash) VALUES (?,?)", nodes, t=NODES)
        self.keep(frontier)  # the right edge after this batch: the next one need not read it again

    # ------------------------------------------------------------ reading

    def size(self) -> int:
        """How many leaves the tree has."""
        with self.sql.transaction(commit=False) as cursor:
            return self._size(cursor)

    def position_of(self, index: int) -> int:
        """The position of leaf ``index`` (0 if there is no such leaf)."""
        rows = self.sql.query("SELECT position FROM {t} WHERE leaf_index = ?", (index,), t=LEAVES)
        return int(rows[0]["position"]) if rows else 0

    def nodes(self, wanted: Sequence[Node]) -> dict[Node, bytes]:
        with self.sql.transaction(commit=False) as cursor:
            return self._nodes(cursor, wanted)

    def root(self, size: int) -> bytes:
        """The root hash at ``size`` leaves, from the O(log n) stored subtrees of its right edge."""
        return resolve([root_plan(size)], self.nodes)[0] if size else EMPTY_ROOT

    def inclusion(self, indexes: Sequence[int], size: int) -> dict[int, list[bytes]]:
        """Inclusion paths of several leaves at ``size``, read together (one query)."""
        with self.sql.transaction(commit=False) as cursor:
            return self._paths(cursor, indexes, size)

    def paths_for(self, positions: Sequence[int], size: int) -> tuple[dict[int, int], dict[int, list[bytes]]]:
        """For events at ``positions``: their leaf indexes, and the inclusion paths at ``size`` of those
        below it; two queries in one read transaction (what a case's proof costs)."""
        with self.sql.transaction(commit=False) as cursor:
            indexes = self._leaves_at(cursor, positions)
            return indexes, self._paths(cursor, [index for index in indexes.values() if index < size], size)

    def _paths(self, cursor: Any, indexes: Sequence[int], size: int) -> dict[int, list[bytes]]:
        plans = {index: inclusion_plan(index, size) for index in indexes}
        flat = [element for plan in plans.values() for element in plan]
        hashes = iter(resolve(flat, lambda wanted: self._nodes(cursor, wanted)))
        return {index: [next(hashes) for _ in plan] for index, plan in plans.items()}

    def consistency(self, first: int, second: int) -> list[bytes]:
        return resolve(consistency_plan(first, second), self.nodes)

    def leaves_at(self, positions: Sequence[int]) -> dict[int, int]:
        """Position → leaf index, for the positions that are in the tree."""
        with self.sql.transaction(commit=False) as cursor:
            return self._leaves_at(cursor, positions)

    def _leaves_at(self, cursor: Any, positions: Sequence[int]) -> dict[int, int]:
        found: dict[int, int] = {}
        for start in range(0, len(positions), CHUNK):
            chunk = list(positions[start : start + CHUNK])
            rows = cursor.tuples(f"SELECT position, leaf_index FROM {{t}} WHERE position IN ({','.join('?' * len(chunk))})", chunk, t=LEAVES)
            found.update({int(position): int(index) for position, index in rows})
        return found

    def leaf_hashes(self, indexes: Sequence[int]) -> dict[int, bytes]:
        nodes = self.nodes([(0, index) for index in indexes])
        return {index: nodes[(0, index)] for index in indexes if (0, index) in nodes}

    def scan(self, size: int, chunk: int = 20_000) -> Iterator[tuple[int, int, list[bytes]]]:
        """Every leaf below ``size`` in order: ``(index, position, [its leaf hash, the nodes it completed])``.

        Reads both tables in key order, in chunks (for checking the whole tree against the log). A
        missing row reads as position -1 or as a shorter list of hashes.
        """
        index = 0
        while index < size:
            upto = min(index + chunk, size)
            first, end = nodes_in(index), nodes_in(upto)
            with self.sql.transaction(commit=False) as cursor:
                leaves = cursor.tuples(
                    "SELECT leaf_index, position FROM {t} WHERE leaf_index >= ? AND leaf_index < ? ORDER BY leaf_index", (index, upto), t=LEAVES
                )
                nodes = cursor.tuples("SELECT seq, hash FROM {t} WHERE seq >= ? AND seq < ? ORDER BY seq", (first, end), t=NODES)
            if len(leaves) == upto - index and len(nodes) == end - first:  # every row there: rows are at their offsets
                hashes = [bytes(h) for _, h in nodes]
                start = 0
                for i, (_, position) in zip(range(index, upto), leaves, strict=True):
                    stop = nodes_in(i + 1) - first
                    yield i, position, hashes[start:stop]
                    start = stop
            else:
                at = dict(leaves)
                by_seq = {seq_: bytes(h) for seq_, h in nodes}
                start = first
                for i in range(index, upto):
                    stop = nodes_in(i + 1)
                    yield i, at.get(i, -1), [by_seq[s] for s in range(start, stop) if s in by_seq]
                    start = stop
            index = upto

    def _size(self, cursor: Any) -> int:
        rows = cursor.fetch("SELECT MAX(leaf_index) AS last FROM {t}", t=LEAVES)
        return 0 if rows[0]["last"] is None else int(rows[0]["last"]) + 1

    def _nodes(self, cursor: Any, wanted: Sequence[Node]) -> dict[Node, bytes]:
        by_seq = {seq(*node): node for node in wanted}
        keys = list(by_seq)
        found: dict[Node, bytes] = {}
        for start in range(0, len(keys), CHUNK):
            chunk = keys[start : start + CHUNK]
            rows = cursor.tuples(f"SELECT seq, hash FROM {{t}} WHERE seq IN ({','.join('?' * len(chunk))})", chunk, t=NODES)
            found.update({by_seq[int(key)]: bytes(hashed) for key, hashed in rows})
        return found


class IntegrityTree(SqlProjection):
    """Follows every event of the log, as stored, and appends it to the tree (exactly once)."""

    name = TreeView.name
    topics: tuple[str, ...] = ()
    stage = 2
    decodes = False
    view: TreeView

    def handle_events(self, events: Sequence[tuple[Any, Tracking]]) -> None:
        self.view.append(
            [(n.id, leaf_hash(encode_leaf(n.originator_id, n.originator_version, n.topic, bytes(n.state)))) for n, _ in events]
        )

