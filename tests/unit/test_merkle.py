"""The Merkle tree against the Certificate Transparency test data, and the proofs against RFC 9162 as written.

The eight leaves and the expected roots and proofs are the CT project's reference data for RFC
6962 (also used by RFC 9162 implementations). The reference functions below transcribe the RFC's
recursive definitions literally; the log's planned proofs and the verifier must agree with them
for every tree size and every leaf, not only for the published examples.
"""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from replay.merkle import (
    EMPTY_ROOT,
    Frontier,
    consistency_plan,
    inclusion_plan,
    leaf_hash,
    node_hash,
    nodes_in,
    resolve,
    root_plan,
    seq,
    subtree,
)
from replay.verify_proof import verify_consistency, verify_inclusion

CT_LEAVES = [bytes.fromhex(h) for h in ("", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f")]
CT_ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
CT_INCLUSION = [  # (leaf index, tree size, path)
    (0, 1, []),
    (0, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (5, 8, ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (1, 5, ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
]
CT_CONSISTENCY = [  # (first size, second size, proof)
    (1, 1, []),
    (1, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (6, 8, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 5, ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
    (2, 8, ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
]


# ------------------------------------------------------------ RFC 9162 §2.1, literally


def mth(leaves: list[bytes]) -> bytes:
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaf_hash(leaves[0])
    k = 1 << ((len(leaves) - 1).bit_length() - 1)
    return node_hash(mth(leaves[:k]), mth(leaves[k:]))


def path(m: int, leaves: list[bytes]) -> list[bytes]:
    if len(leaves) == 1:
        return []
    k = 1 << ((len(leaves) - 1).bit_length() - 1)
    if m < k:
        return [*path(m, leaves[:k]), mth(leaves[k:])]
    return [*path(m - k, leaves[k:]), mth(leaves[:k])]


def subproof(m: int, leaves: list[bytes], complete: bool) -> list[bytes]:
    n = len(leaves)
    if m == n:
        return [] if complete else [mth(leaves)]
    k = 1 << ((n - 1).bit_length() - 1)
    if m <= k:
        return [*subproof(m, leaves[:k], complete), mth(leaves[k:])]
    return [*subproof(m - k, leaves[k:], False), mth(leaves[:k])]


# ------------------------------------------------------------ the log's tree, in memory


def stored(leaves: list[bytes]) -> dict[int, bytes]:
    """Every node a log appending ``leaves`` writes, by ``seq``, through the frontier."""
    frontier, rows = Frontier(), {}
    for leaf in leaves:
        for node in frontier.append(leaf_hash(leaf)):
            rows[len(rows)] = node
    return rows


def reader(rows: dict[int, bytes]):  # noqa: ANN201
    return lambda nodes: {node: rows[seq(*node)] for node in nodes if seq(*node) in rows}


def root(rows: dict[int, bytes], size: int) -> bytes:
    return resolve([root_plan(size)], reader(rows))[0] if size else EMPTY_ROOT


MANY = [bytes([i, i * 7 % 256]) for i in range(70)]
MANY_ROWS = stored(MANY)


def test_the_ct_roots_for_every_size() -> None:
    rows = stored(CT_LEAVES)
    assert mth([]).hex() == EMPTY_ROOT.hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    for size in range(1, 9):
        assert mth(CT_LEAVES[:size]).hex() == CT_ROOTS[size - 1]
        assert root(rows, size).hex() == CT_ROOTS[size - 1]
        frontier = Frontier()
        for leaf in CT_LEAVES[:size]:
            frontier.append(leaf_hash(leaf))
        assert frontier.root().hex() == CT_ROOTS[size - 1]


@pytest.mark.parametrize(("index", "size", "expected"), CT_INCLUSION)
def test_the_ct_inclusion_proofs(index: int, size: int, expected: list[str]) -> None:
    proof = resolve(inclusion_plan(index, size), reader(stored(CT_LEAVES)))
    assert [h.hex() for h in proof] == expected
    assert [h.hex() for h in path(index, CT_LEAVES[:size])] == expected
    assert verify_inclusion(leaf_hash(CT_LEAVES[index]), index, size, proof, bytes.fromhex(CT_ROOTS[size - 1]))


@pytest.mark.parametrize(("first", "second", "expected"), CT_CONSISTENCY)
def test_the_ct_consistency_proofs(first: int, second: int, expected: list[str]) -> None:
    proof = resolve(consistency_plan(first, second), reader(stored(CT_LEAVES)))
    assert [h.hex() for h in proof] == expected
    assert [h.hex() for h in subproof(first, CT_LEAVES[:second], True)] == (expected if first != second else [])
    assert verify_consistency(first, second, bytes.fromhex(CT_ROOTS[first - 1]), bytes.fromhex(CT_ROOTS[second - 1]), proof)


def test_nodes_are_numbered_in_the_order_they_complete() -> None:
    frontier, order = Frontier(), []
    for i in range(40):
        completed = frontier.append(leaf_hash(MANY[i]))
        order += [(level, (i + 1 >> level) - 1) for level in range(len(completed))]
    assert [seq(level, index) for level, index in order] == list(range(len(order)))
    assert all(nodes_in(size) == len([n for n in order if ((n[1] + 1) << n[0]) <= size]) for size in range(41))


def test_every_proof_of_every_size_agrees_with_the_rfc_and_verifies() -> None:
    rows = MANY_ROWS
    for size in range(1, 71):
        expected_root = mth(MANY[:size])
        assert root(rows, size) == expected_root
        for index in range(size):
            proof = resolve(inclusion_plan(index, size), reader(rows))
            assert proof == path(index, MANY[:size])
            assert verify_inclusion(leaf_hash(MANY[index]), index, size, proof, expected_root)
        for first in range(1, size + 1):
            proof = resolve(consistency_plan(first, size), reader(rows))
            assert proof == (subproof(first, MANY[:size], True) if first < size else [])
            assert verify_consistency(first, size, mth(MANY[:first]), expected_root, proof)


def test_a_proof_reads_logarithmically_many_nodes() -> None:
    size = 10_000_000
    for index in (0, 1, 4_999_999, 9_999_998, size - 1):
        needed = {node for element in inclusion_plan(index, size) for node in element}
        assert len(needed) <= 2 * size.bit_length()
    for first in (1, 3, 4_194_304, 7_777_777, size - 1):
        assert len({node for element in consistency_plan(first, size) for node in element}) <= 3 * size.bit_length()


def test_a_frontier_resumes_from_the_stored_right_edge() -> None:
    rows = MANY_ROWS
    for size in (0, 1, 5, 16, 37):
        edge = [rows[seq(*node)] for node in subtree(0, size)]
        resumed = Frontier(size, edge)
        appended = [node for leaf in MANY[size:50] for node in resumed.append(leaf_hash(leaf))]
        assert appended == [rows[i] for i in range(nodes_in(size), nodes_in(50))]
        assert resumed.root() == mth(MANY[:50])


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=2, max_value=70), st.data())
def test_mangled_proofs_do_not_verify(size: int, data: st.DataObject) -> None:
    rows, expected_root = MANY_ROWS, mth(MANY[:size])
    index = data.draw(st.integers(min_value=0, max_value=size - 1))
    proof = resolve(inclusion_plan(index, size), reader(rows))
    leaf = leaf_hash(MANY[index])
    flipped = [bytes([proof[0][0] ^ 1]) + proof[0][1:], *proof[1:]]
    assert not verify_inclusion(leaf, index, size, flipped, expected_root)
    assert not verify_inclusion(leaf, index, size, proof[:-1], expected_root)
    assert not verify_inclusion(leaf, index, size, [*proof, proof[0]], expected_root)
    assert not verify_inclusion(leaf, (index + 1) % size, size, proof, expected_root) or leaf == leaf_hash(MANY[(index + 1) % size])
    first = data.draw(st.integers(min_value=1, max_value=size - 1))
    consistency = resolve(consistency_plan(first, size), reader(rows))
    assert not verify_consistency(first, size, mth(MANY[:first]), expected_root, consistency[:-1])
    assert not verify_consistency(first, size, mth(MANY[: first + 1]), expected_root, consistency)
    assert not verify_consistency(first, size, mth(MANY[:first]), expected_root, [bytes(32), *consistency[1:]])
