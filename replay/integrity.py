"""The full check of the event log: every stored row against the tree, the tree against itself,
and the log against every signed head (and any checkpoint kept outside).

One pass in position order, reading three tables in chunks and holding only two right edges of
trees (O(log n) hashes):

* each raw row's leaf is recomputed from the row's own bytes and compared with the stored leaf at
  the same position: a changed byte, a deleted row, an inserted row or two swapped rows show at
  their position;
* each stored inner node is recomputed from the stored leaves and compared (a rewritten tree shows
  where it was rewritten);
* each signed head's signature is checked, and the root recomputed *from the raw rows* at its size
  is compared with the root it signed: a rewrite of both the events and the stored tree still fails
  against a head (or a checkpoint exported earlier), between the last head that holds and the
  first that does not.

Rows recorded after the tree's last leaf are counted as ``pending`` (the tree has not reached
them yet); they still count towards heads of larger sizes.
"""

from __future__ import annotations

import base64
import hashlib
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from foundation.store import Store
from replay.heads import SignedHead
from replay.merkle import EMPTY_ROOT, Frontier, encode_leaf, leaf_hash
from replay.tree import TreeView

CHUNK = 20_000
_sha256 = hashlib.sha256
MAX_PROBLEMS = 100


@dataclass(frozen=True)
class Target:
    """A root the log must hash to at ``size``: a signed head, or a checkpoint brought by the verifier."""

    size: int
    root: bytes
    label: str


@dataclass(frozen=True)
class Problem:
    kind: str
    """``changed``, ``moved``, ``deleted``, ``inserted``, ``unreadable``, ``tree``, ``head`` or ``signature``."""
    detail: str
    position: int | None = None
    leaf_index: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "position": self.position, "leaf_index": self.leaf_index, "detail": self.detail}


@dataclass
class Report:
    events_checked: int = 0
    tree_size: int = 0
    root: bytes = EMPTY_ROOT
    pending: int = 0
    heads_checked: int = 0
    checkpoints_checked: int = 0
    problems: list[Problem] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def first_position(self) -> int | None:
        positions = [p.position for p in self.problems if p.position is not None]
        return min(positions) if positions else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "events_checked": self.events_checked,
            "head": {"size": self.tree_size, "root": base64.b64encode(self.root).decode()},
            "problems": [p.as_dict() for p in self.problems],
            "first_problem_position": self.first_position,
            "pending": self.pending,
            "heads_checked": self.heads_checked,
            "checkpoints_checked": self.checkpoints_checked,
            "seconds": round(self.seconds, 3),
            "events_per_second": round(self.events_checked / self.seconds) if self.seconds > 0 else None,
        }


def raw_leaf_hash(originator: bytes | None, version: int, topic: str, state: bytes) -> bytes | None:
    """The leaf hash of a row as it is stored now; None for a row that is not one the log could write."""
    if originator is None:
        return None
    return leaf_hash(encode_leaf(originator, version, topic, state))


class LeafHasher:
    """``raw_leaf_hash`` for many rows: the same bytes hashed, with each topic's encoding computed once."""

    def __init__(self) -> None:
        self.topics: dict[str, bytes] = {}

    def __call__(self, originator: bytes | None, version: int, topic: str, state: bytes) -> bytes | None:
        if originator is None or len(originator) != 16:
            return None
        encoded = self.topics.get(topic)
        if encoded is None:
            topic_bytes = topic.encode()
            encoded = self.topics[topic] = len(topic_bytes).to_bytes(4, "big") + topic_bytes
        return _sha256(
            b"\x00\x01" + originator + version.to_bytes(8, "big") + encoded + len(state).to_bytes(4, "big") + state
        ).digest()


class Check:
    """One pass over the log, the tree and the heads; ``run()`` gives the report."""

    def __init__(self, store: Store, tree: TreeView, targets: Sequence[Target], progress: Callable[[int, int], None] | None = None) -> None:
        self.store = store
        self.tree = tree
        self.progress = progress
        self.report = Report()
        self.targets: dict[int, list[Target]] = {}
        for target in targets:
            self.targets.setdefault(target.size, []).append(target)
        self.raw = Frontier()
        self.stored = self.raw
        self.shared = True
        """While the log and the tree agree, the raw and the stored right edges are one and the same."""
        self.changed: dict[int, tuple[bytes | None, bytes]] = {}
        self.positions: dict[int, int] = {0: 0}
        """Raw row count → the position of that row, at the sizes of targets (to say where a head fails)."""
        self.good_size = 0

    def problem(self, problem: Problem) -> None:
        if len(self.report.problems) < MAX_PROBLEMS:
            self.report.problems.append(problem)

    def run(self) -> Report:
        started = time.perf_counter()
        report = self.report
        size = report.tree_size = self.tree.size()
        last_leaf = self.tree.position_of(size - 1)  # (the follower may append more meanwhile: they are not checked)
        head = self.store.head()
        leaves = self.tree.scan(size)
        hasher = LeafHasher()
        leaf = next(leaves, None)
        for rows in self._chunks(head):
            for position, originator, version, topic, state in rows:
                hashed = hasher(originator, version, topic, state)
                while leaf is not None and 0 <= leaf[1] < position:
                    self._fork()
                    self.problem(Problem("deleted", "the event the tree holds at this position is gone from the log", leaf[1], leaf[0]))
                    self._stored_leaf(leaf)
                    leaf = next(leaves, None)
                if leaf is not None and leaf[1] == position and self.shared and leaf[2] and hashed == leaf[2][0]:
                    # the usual case, while log and tree agree: one right edge serves both
                    if self.raw.append(hashed)[1:] != leaf[2][1:]:
                        self.problem(Problem("tree", f"a stored tree node completed by leaf {leaf[0]} does not match its children", position, leaf[0]))
                    leaf = next(leaves, None)
                    self._reached(position)
                    continue
                self._fork()
                if leaf is not None and leaf[1] in (position, -1):
                    if hashed is None:
                        self.problem(Problem("unreadable", "the row's originator id is not one the log wrote", position, leaf[0]))
                    elif leaf[2] and hashed != leaf[2][0]:
                        self.changed[position] = (hashed, leaf[2][0])
                        self.problem(Problem("changed", "the stored event differs from the one the tree holds", position, leaf[0]))
                    self._stored_leaf(leaf)
                    leaf = next(leaves, None)
                elif position <= last_leaf:
                    self.problem(Problem("inserted", "an event the tree never saw is in the log at this position", position))
                else:
                    report.pending += 1
                self.raw.append(hashed or leaf_hash(b"unreadable row"))
                self._reached(position)
            if self.progress is not None:
                self.progress(self.raw.size, head)
        while leaf is not None:
            self._fork()
            self.problem(Problem("deleted", "the event the tree holds at this position is gone from the log", leaf[1], leaf[0]))
            self._stored_leaf(leaf)
            leaf = next(leaves, None)
        report.events_checked = self.raw.size
        for missing in sorted(s for s in self.targets if s > self.raw.size):
            for target in self.targets[missing]:
                self.problem(Problem("head", f"{target.label} covers {missing} events; the log holds only {self.raw.size}"))
        self._label_moves()
        report.problems.sort(key=lambda p: (p.position is None, p.position or 0))
        report.seconds = time.perf_counter() - started
        return report

    def _chunks(self, head: int) -> Iterator[list[Any]]:
        """The stored rows up to ``head`` in chunks; on PostgreSQL the next one is read while this one is
        checked (the driver waits for the server without the GIL; SQLite's reads would only compete)."""
        if self.store.target.kind == "sqlite":
            after = None
            while rows := self.store.raw_events(after, head, CHUNK):
                after = rows[-1][0]
                yield rows
            return
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="verify-read") as reader:
            pending = reader.submit(self.store.raw_events, None, head, CHUNK)
            while rows := pending.result():
                pending = reader.submit(self.store.raw_events, rows[-1][0], head, CHUNK)
                yield rows

    def _fork(self) -> None:
        if self.shared:
            self.stored, self.shared = self.raw.copy(), False

    def _stored_leaf(self, leaf: tuple[int, int, list[bytes]]) -> None:
        """Recompute the inner nodes this stored leaf completes and compare them with the stored ones."""
        index, position, hashes = leaf
        if not hashes or position < 0:
            self.problem(Problem("tree", f"leaf {index} is missing from the stored tree", position if position >= 0 else None, index))
            self.stored.append(leaf_hash(b"missing leaf"))
            return
        computed = self.stored.append(hashes[0])
        if computed[1:] != hashes[1:]:
            self.problem(Problem("tree", f"a stored tree node completed by leaf {index} does not match its children", position, index))

    def _reached(self, position: int) -> None:
        count = self.raw.size
        if count == self.report.tree_size:
            self.report.root = self.raw.root()
        targets = self.targets.get(count)
        if not targets:
            return
        self.positions[count] = position
        root = self.raw.root()
        for target in targets:
            if target.root == root:
                self.good_size = max(self.good_size, count)
                continue
            after = self.positions.get(self.good_size, 0)
            self.problem(
                Problem(
                    "head",
                    f"the first {count} events do not hash to the root of {target.label}: something between "
                    f"position {after + 1} and position {position} was changed since it was signed",
                )
            )

    def _label_moves(self) -> None:
        """Two changed positions that hold each other's events: the rows were swapped (reordered)."""
        by_stored = {stored: position for position, (_, stored) in self.changed.items()}
        for i, problem in enumerate(self.report.problems):
            if problem.kind != "changed" or problem.position not in self.changed:
                continue
            origin = by_stored.get(self.changed[problem.position][0])
            if origin is not None and origin != problem.position:
                self.report.problems[i] = Problem("moved", f"holds the event the tree has at position {origin} (reordered)", problem.position, problem.leaf_index)


def verify(
    store: Store,
    tree: TreeView,
    heads: Sequence[SignedHead],
    public_key: bytes | None,
    *,
    checkpoints: Sequence[Target] = (),
    progress: Callable[[int, int], None] | None = None,
) -> Report:
    """Check the whole log; heads whose signature does not verify under ``public_key`` are problems themselves."""
    targets: list[Target] = []
    signature_problems = []
    for head in heads:
        label = f"the head signed at {head.time.isoformat()} (size {head.size})"
        if public_key is None:
            signature_problems.append(Problem("signature", f"{label}: no public key to check its signature with"))
            continue
        try:
            head.opened(public_key)
        except ValueError as error:
            signature_problems.append(Problem("signature", f"{label}: {error}"))
            continue
        targets.append(Target(head.size, head.root, label))
    check = Check(store, tree, [*targets, *checkpoints], progress)
    report = check.run()
    report.problems = [*signature_problems, *report.problems][:MAX_PROBLEMS]
    report.heads_checked = len(heads)
    report.checkpoints_checked = len(checkpoints)
    return report
