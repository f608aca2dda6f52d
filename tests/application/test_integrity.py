"""The integrity tree on both stores: every event a leaf (dense over position holes), exactly once,
rebuildable, proofs that an outsider's verifier accepts, and tampering found at its position."""

from __future__ import annotations

import sqlite3
import time
from typing import Any
from uuid import UUID

import pytest

from foundation.projection import Runner
from replay import verify_proof
from replay.heads import b64
from replay.integrity import Target
from replay.tree import IntegrityTree, TreeView
from tests.attacker import Attacker
from tests.builders import CENTER, handler
from tests.conftest import later
from tests.unit.test_merkle import mth
from tests.world import accept, ctx, seed_units

pytestmark = pytest.mark.storage


def world(hotline: Any) -> list[UUID]:
    seed_units(hotline)
    ids = [accept(hotline, later(hours=i)) for i in range(3)]
    hotline.cases.dispatch(ids[0], lead_unit="U1", co_units=[], working_days=None, response_hours=None, ctx=ctx(CENTER, later(hours=4)))
    hotline.cases.sign(ids[0], ctx=ctx(handler("U1"), later(hours=5)))
    hotline.followers.catch_up()
    return ids


def raw_leaves(hotline: Any) -> list[tuple[int, bytes]]:
    """Every stored row's position and leaf input, read past the service (what an outsider recomputes)."""
    rows = hotline.store.raw_events(None, None, 100_000)
    return [(position, verify_proof.encode_leaf(originator, version, topic, state)) for position, originator, version, topic, state in rows]


def test_every_event_is_a_leaf_in_commit_order_densely_numbered_over_holes(hotline: Any) -> None:
    world(hotline)
    attacker = Attacker(hotline)
    head = hotline.store.head()
    if attacker.kind == "postgres":  # a failed transaction burns positions for good
        attacker.run("SELECT nextval(pg_get_serial_sequence('hotline_events', 'notification_id')) FROM generate_series(1, 3)")
    else:  # SQLite numbers rows after the largest: a new case written at a position past a gap
        accepted = next(p for p in attacker.positions() if attacker.row(p)[2].endswith(":Accepted"))
        attacker.insert(head + 3, like=accepted)
    accept(hotline, later(hours=6))
    hotline.followers.catch_up()

    leaves = raw_leaves(hotline)
    positions = [position for position, _ in leaves]
    assert head + 1 not in positions and max(positions) > head + 3  # a hole, and events after it
    tree = hotline.audit.tree
    assert tree.size() == len(leaves)
    assert tree.leaves_at(positions) == {position: index for index, position in enumerate(positions)}
    assert tree.root(len(leaves)) == mth([leaf for _, leaf in leaves])
    assert tree.root(7) == mth([leaf for _, leaf in leaves[:7]])


def test_rival_followers_write_each_leaf_once(hotline: Any) -> None:
    world(hotline)
    accept(hotline, later(hours=7))
    one, two = (Runner(IntegrityTree(TreeView(hotline.store)), hotline.store) for _ in range(2))
    start = one.follower.tracked()
    batch = hotline.store.recorder.select_notifications(start=start, limit=500, inclusive_of_start=False)
    assert batch
    one.handle(batch)
    two.handle(batch)  # the same batch again, as a second process would: refused, and nothing is doubled
    leaves = raw_leaves(hotline)
    assert hotline.audit.tree.size() == len(leaves)
    assert hotline.audit.tree.root(len(leaves)) == mth([leaf for _, leaf in leaves])


def test_a_rebuilt_tree_is_the_same_tree(hotline: Any) -> None:
    world(hotline)
    before = hotline.store.sql.query("SELECT seq, hash FROM {t} ORDER BY seq", t="audit_nodes")
    hotline.audit.tree.reset()
    assert hotline.audit.tree.size() == 0
    hotline.followers.catch_up()
    assert hotline.store.sql.query("SELECT seq, hash FROM {t} ORDER BY seq", t="audit_nodes") == before


def test_proofs_verify_against_signed_heads_and_heads_against_each_other(hotline: Any) -> None:
    ids = world(hotline)
    first = hotline.audit.sign()
    hotline.cases.reply(ids[0], content="done", outcome="resolved", ctx=ctx(handler("U1"), later(hours=8)))
    proof = hotline.audit.case_proof(ids[0], CENTER)  # the latest head predates the reply: a new head is signed for it
    assert proof["tree_size"] > first.size and not proof["pending"]
    outcome = verify_proof.check(proof, proof["checkpoint"], hotline.audit.public_key)
    assert outcome.failures == 0, outcome.lines
    assert len(proof["leaves"]) == len(hotline.store.positioned_events(ids[0]))

    older = hotline.audit.case_proof(ids[0], CENTER, tree_size=first.size)
    assert older["tree_size"] == first.size and [p["version"] for p in older["pending"]] == [4]
    assert verify_proof.check(older, first.checkpoint, hotline.audit.public_key).failures == 0
    assert verify_proof.check(older, proof["checkpoint"], hotline.audit.public_key).failures == 1  # another head

    consistency = hotline.audit.consistency(first.size, None)
    assert verify_proof.check(consistency, proof["checkpoint"], hotline.audit.public_key).failures == 0
    leaves = [leaf for _, leaf in raw_leaves(hotline)]
    assert consistency["to"]["root"] == b64(mth(leaves)) and consistency["from"]["root"] == b64(mth(leaves[: first.size]))


@pytest.mark.parametrize("attack", ["change", "delete", "insert", "swap"])
def test_tampering_is_found_at_its_position_even_without_the_triggers(hotline: Any, attack: str) -> None:
    world(hotline)
    hotline.audit.sign()
    assert hotline.audit.verify().ok
    attacker = Attacker(hotline)
    positions = attacker.positions()
    p, q = positions[5], positions[9]
    if attacker.kind == "sqlite":
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            attacker.change_byte(p)
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            attacker.delete(p)
        attacker.drop_triggers()

    if attack == "change":
        attacker.change_byte(p)
        expected = [("changed", p)]
    elif attack == "delete":
        attacker.delete(p)
        expected = [("deleted", p)]
    elif attack == "insert":
        attacker.insert(0, like=p)
        expected = [("inserted", 0)]
    else:
        attacker.swap(p, q)
        expected = [("moved", p), ("moved", q)]

    report = hotline.audit.verify()
    assert not report.ok
    found = [(problem.kind, problem.position) for problem in report.problems if problem.position is not None]
    assert found == expected
    assert report.first_position == expected[0][1]
    assert any(problem.kind == "head" for problem in report.problems)  # and the signed head no longer matches the log


def test_a_rewrite_of_the_tree_too_is_caught_by_the_heads_and_by_an_exported_checkpoint(hotline: Any) -> None:
    world(hotline)
    exported = hotline.audit.sign()
    accept(hotline, later(hours=9))
    hotline.audit.sign()
    attacker = Attacker(hotline)
    attacker.drop_triggers()
    p = attacker.positions()[4]
    attacker.change_byte(p)
    hotline.audit.tree.reset()  # the attacker recomputes the whole tree from the rewritten log
    hotline.followers.catch_up()

    report = hotline.audit.verify()
    assert [problem.kind for problem in report.problems] == ["head", "head"]
    assert f"between position 1 and position {attacker.positions()[exported.size - 1]}" in report.problems[0].detail

    attacker.forget_heads()  # and removes the heads: a check of the database alone can no longer see anything
    assert hotline.audit.verify().ok
    checkpoint = verify_proof.open_checkpoint(exported.checkpoint, hotline.audit.public_key)
    outside = hotline.audit.verify(checkpoints=[Target(checkpoint.size, checkpoint.root, "the exported checkpoint")])
    assert [problem.kind for problem in outside.problems] == ["head"]
    assert "the exported checkpoint" in outside.problems[0].detail


def test_a_case_as_of_an_instant_is_an_index_seek_and_older_cases_are_indexed_on_first_use(hotline: Any) -> None:
    ids = world(hotline)
    case_id = ids[0]
    assert hotline.cases.case(case_id, CENTER, as_of=later(hours=4, days=0)).version == 2
    assert hotline.cases.case(case_id, CENTER, as_of=later(hours=4.5)).version == 2
    assert hotline.cases.case(case_id, CENTER, as_of=later(hours=5)).version == 3
    if hotline.store.target.kind == "sqlite":
        plan = hotline.store.sql.query(
            "EXPLAIN QUERY PLAN SELECT version FROM {t} WHERE originator_id=? AND recorded_us <= ? "
            "ORDER BY recorded_us DESC, version DESC LIMIT 1",
            (str(case_id), 0), t="hotline_event_times",
        )
        assert any("INDEX hotline_event_times_at" in str(row["detail"]) for row in plan), plan
    hotline.store.sql.query("SELECT 1 AS one FROM {t}", t="hotline_event_times")
    with hotline.store.sql.transaction() as cursor:  # a log written before the index existed
        cursor.execute("DELETE FROM {t} WHERE originator_id=?", (str(case_id),), t="hotline_event_times")
    assert hotline.cases.times.version_at(case_id, later(hours=5)) is None
    assert hotline.cases.case(case_id, CENTER, as_of=later(hours=5)).version == 3
    assert hotline.cases.times.version_at(case_id, later(hours=4.5)) == 2  # filled on first use


def test_heads_are_signed_when_the_tree_grew_and_every_interval(hotline: Any) -> None:
    notary = hotline.notary
    world(hotline)
    first = notary.sign_if_grown()
    assert first is not None and first.size == hotline.audit.tree.size()
    assert notary.sign_if_grown() is None  # nothing new: no new head
    accept(hotline, later(hours=10))
    hotline.followers.catch_up()
    notary.start(0.05)
    try:
        deadline = time.monotonic() + 10
        while hotline.audit.latest().size == first.size:
            assert time.monotonic() < deadline, "no head signed after the tree grew"
            time.sleep(0.02)
    finally:
        notary.stop()
    assert hotline.audit.latest().size == hotline.audit.tree.size() > first.size
    assert notary.last_error is None
