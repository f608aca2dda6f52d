"""The log's side of the RFC 9162 Merkle tree: where its nodes are, and which ones a proof needs.

The tree over ``n`` leaves is kept as its *complete subtrees*: node ``(level, index)`` is the hash of
leaves ``[index * 2**level, (index + 1) * 2**level)``. A complete subtree never changes once its
last leaf is appended, so a stored node is valid for every later tree size. Nodes are numbered in
the order they complete (post-order): leaf ``i`` and the nodes it completes come right after every
node of the leaves before it, so ``seq`` is one dense integer key and appending leaves appends rows.

Every hash a proof needs is either a stored node or the hash of a *ragged* range ``[start, end)``
(the right edge of a tree whose size is not a power of two); such a range is folded from the
O(log n) complete subtrees it splits into. A proof is therefore *planned* first (which nodes,
pure arithmetic), the nodes are read in one query, and the proof is assembled from them
(:func:`resolve`): it reads O(log n) nodes and never rebuilds the tree.

The hashing primitives and the verifiers are those of ``replay/verify_proof.py``, the standalone
file an outside verifier runs, so the log and its verifier share one definition of a leaf.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping, Sequence

from replay.verify_proof import encode_leaf, leaf_hash, node_hash

__all__ = ["EMPTY_ROOT", "Frontier", "Node", "consistency_plan", "encode_leaf", "inclusion_plan", "leaf_hash",
           "node_hash", "nodes_in", "resolve", "root_plan", "seq", "subtree"]

Node = tuple[int, int]
"""``(level, index)`` of a complete subtree."""
Plan = list[list[Node]]
"""A proof before reading: each element is the right fold of these nodes' hashes."""

EMPTY_ROOT = hashlib.sha256(b"").digest()
"""RFC 9162 §2.1.1: the root of the empty tree."""


def seq(level: int, index: int) -> int:
    """The post-order number of node ``(level, index)``: its row key.

    Before leaf ``i`` is appended, ``2i - popcount(i)`` complete subtrees exist; leaf ``i`` then
    completes the nodes of levels 0, 1, ... whose last leaf it is, in that order.
    """
    last = ((index + 1) << level) - 1
    return 2 * last - last.bit_count() + level


def nodes_in(size: int) -> int:
    """How many complete subtrees a tree of ``size`` leaves has (its node rows)."""
    return 2 * size - size.bit_count()


def subtree(start: int, end: int) -> list[Node]:
    """The complete subtrees that make the range ``[start, end)``, left to right (largest first)."""
    nodes = []
    while start < end:
        level = (end - start).bit_length() - 1
        while start & ((1 << level) - 1):
            level -= 1
        nodes.append((level, start >> level))
        start += 1 << level
    return nodes


def root_plan(size: int) -> list[Node]:
    return subtree(0, size)


def _split(n: int) -> int:
    """The largest power of two strictly less than ``n`` (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def inclusion_plan(index: int, size: int) -> Plan:
    """RFC 9162 §2.1.3.1 ``PATH(m, D[n])``, as the nodes each hash of the path folds from."""
    if not 0 <= index < size:
        raise ValueError(f"leaf {index} is not in a tree of size {size}")
    path: Plan = []
    lo, hi = 0, size
    while hi - lo > 1:
        k = _split(hi - lo)
        if index < lo + k:
            path.append(subtree(lo + k, hi))
            hi = lo + k
        else:
            path.append(subtree(lo, lo + k))
            lo += k
    return path[::-1]


def consistency_plan(first: int, second: int) -> Plan:
    """RFC 9162 §2.1.4.1 ``PROOF(m, D[n])`` = ``SUBPROOF(m, D[n], true)``, as nodes to fold."""
    if not 0 <= first <= second:
        raise ValueError(f"no consistency proof from size {first} to size {second}")
    if first in (0, second):
        return []
    proof: Plan = []
    m, lo, hi, complete = first, 0, second, True
    while True:
        n = hi - lo
        if m == n:
            if not complete:
                proof.append(subtree(lo, hi))
            break
        k = _split(n)
        if m <= k:
            proof.append(subtree(lo + k, hi))
            hi = lo + k
        else:
            proof.append(subtree(lo, lo + k))
            m, lo, complete = m - k, lo + k, False
    return proof[::-1]


def fold(hashes: Sequence[bytes]) -> bytes:
    """The hash of a range from its complete subtrees, left to right: MTH's right-leaning shape."""
    result = hashes[-1]
    for left in reversed(hashes[:-1]):
        result = node_hash(left, result)
    return result


def resolve(plans: Iterable[Sequence[Node]], fetch: Callable[[list[Node]], Mapping[Node, bytes]]) -> list[bytes]:
    """The hashes of planned elements, reading every node they need with one ``fetch``."""
    plans = list(plans)
    needed = sorted({node for plan in plans for node in plan})
    found = fetch(needed) if needed else {}
    missing = [node for node in needed if node not in found]
    if missing:
        raise LookupError(f"the tree has no node {missing[0]} (level, index)")
    return [fold([found[node] for node in plan]) for plan in plans]


class Frontier:
    """The right edge of a growing tree: appending a leaf yields the nodes it completes, in ``seq`` order."""

    def __init__(self, size: int = 0, edge: Sequence[bytes] = ()) -> None:
        """A tree of ``size`` leaves whose complete subtrees ``subtree(0, size)`` hash to ``edge``."""
        levels = [level for level, _ in subtree(0, size)]
        if len(levels) != len(edge):
            raise ValueError(f"a tree of size {size} has {len(levels)} subtrees on its right edge, not {len(edge)}")
        self.size = size
        self.stack: list[tuple[int, bytes]] = list(zip(levels, edge, strict=True))

    def append(self, leaf: bytes) -> list[bytes]:
        completed = [leaf]
        level, current = 0, leaf
        stack = self.stack
        while stack and stack[-1][0] == level:
            current = node_hash(stack.pop()[1], current)
            level += 1
            completed.append(current)
        stack.append((level, current))
        self.size += 1
        return completed

    def copy(self) -> Frontier:
        twin = Frontier()
        twin.size, twin.stack = self.size, list(self.stack)
        return twin

    def root(self) -> bytes:
        if not self.stack:
            return EMPTY_ROOT
        return fold([h for _, h in self.stack])
