"""The event log on SQLite and PostgreSQL: encryption at rest, upcasting, snapshots, positions, idempotency."""

from __future__ import annotations

from typing import Any, ClassVar
from uuid import uuid4

import pytest
from eventsourcing.persistence import IntegrityError, StoredEvent
from eventsourcing.utils import get_topic

from foundation.aggregate import DomainEvent, Snapshot
from cases.numbering import counter_id
from cases.units import REGISTRY_ID
from foundation.application import Context, IdempotencyKey, Outcome
from foundation.recorders import OutcomeClaim
from cases import handling
from hotline.bootstrap import bootstrap
from hotline.settings import Settings
from tests.builders import AGENT, CENTER, handler
from tests.conftest import later, make_settings
from tests.world import accept, ctx, seed_units

pytestmark = pytest.mark.storage


def raw_states(hotline: Any) -> list[bytes]:
    table = "stored_events" if hotline.store.target.kind == "sqlite" else "hotline_events"
    rows = hotline.store.sql.query("SELECT state FROM {t}", t=table)
    return [bytes(row["state"]) for row in rows]


def test_requester_data_is_encrypted_at_rest(hotline: Any) -> None:
    seed_units(hotline)
    accept(hotline)
    states = raw_states(hotline)
    assert states
    for state in states:
        assert b"13812345678" not in state
        assert "张三".encode() not in state
        assert b"Accepted" not in state


def test_without_a_cipher_key_the_same_check_would_fail(database_url: str) -> None:
    plain = bootstrap(make_settings(database_url, cipher_key=""))
    try:
        accept(plain)
        assert any(b"13812345678" in state for state in raw_states(plain))
    finally:
        plain.close()


class Noted(DomainEvent):
    """A test event whose v2 renamed ``text`` to ``note`` and added ``source``."""

    class_version: ClassVar[int] = 2
    note: str
    source: str

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        state["note"] = state.pop("text")
        state["source"] = "legacy"


def test_old_event_versions_are_upcast_on_read(hotline: Any) -> None:
    mapper, recorder = hotline.store.mapper, hotline.store.recorder
    originator = uuid4()
    v1_state = {"timestamp": "2026-09-28T09:00:00+08:00", "actor": AGENT.model_dump(mode="json"), "text": "old"}
    recorder.insert_events(
        [StoredEvent(originator_id=originator, originator_version=1, topic=get_topic(Noted), state=mapper.encode_state(v1_state))]
    )
    (event,) = [mapper.to_domain_event(s) for s in recorder.select_events(originator)]
    assert isinstance(event, Noted)
    assert (event.note, event.source) == ("old", "legacy")
    assert event.timestamp == later()
    stored = mapper.to_stored_event(event)
    assert mapper.decode_state(stored.state)["class_version"] == 2


def test_a_snapshot_gives_the_same_case_as_its_events(database_url: str) -> None:
    hotline = bootstrap(make_settings(database_url, snapshot_interval=4))
    try:
        seed_units(hotline)
        case_id = accept(hotline)
        cases = hotline.cases
        cases.dispatch(case_id, lead_unit="U1", co_units=["U2"], working_days=None, response_hours=None, ctx=ctx(CENTER))
        cases.sign(case_id, ctx=ctx(handler("U1")))
        cases.sign(case_id, ctx=ctx(handler("U2"), later(hours=1)))
        cases.urge(case_id, method="sms", unit="U1", note="", due_date=None, signed_by=[], instruction=None, leader=None, addressee=None, received_at=None, ctx=ctx(CENTER, later(1)))
        cases.record_time_facts(case_id, until=later(30), now=None)
        snapshots = list(hotline.store.snapshots.get(case_id))
        assert [s.originator_version for s in snapshots] == [4, 8]
        assert all(isinstance(s, Snapshot) for s in snapshots)
        from_events = None
        for event in hotline.store.events.get(case_id):
            from_events = event.mutate(from_events)
        via_snapshot = snapshots[-1].mutate(None)
        for event in hotline.store.events.get(case_id, gt=snapshots[-1].originator_version):
            via_snapshot = event.mutate(via_snapshot)
        assert via_snapshot.version == from_events.version == 9
        assert via_snapshot.state() == from_events.state()
    finally:
        hotline.close()


def test_positions_are_one_sequence_across_aggregates(hotline: Any) -> None:
    seed_units(hotline)
    first = accept(hotline)
    second = accept(hotline)
    positions = [p for case_id in (first, second) for p, _ in hotline.store.positioned_events(case_id)]
    assert positions == sorted(positions) and len(set(positions)) == len(positions)
    assert hotline.store.head() == max(positions)


def test_the_kept_outcome_commits_with_the_events_or_not_at_all(hotline: Any) -> None:
    seed_units(hotline)
    case_id = accept(hotline)
    key = IdempotencyKey("center-1", "key-1", "fp")
    first = hotline.cases.dispatch(case_id, lead_unit="U1", ctx=Context(actor=CENTER, now=later(), idempotency=key))
    kept = hotline.store.outcome("center-1", "key-1")
    assert kept is not None and kept.position == first.position and kept.fingerprint == "fp"
    assert Outcome.unsealed(kept.outcome, kept.position) == first.outcome
    assert b"version" not in hotline.store.recorder.select_outcome("center-1", "key-1").outcome  # encrypted too
    # a command whose events cannot be saved keeps no outcome either
    case = hotline.cases.repository.get(case_id)
    handling.sign(case, now=later(1), actor=handler("U1"))
    stale = hotline.cases.repository.get(case_id)
    handling.sign(stale, now=later(1), actor=handler("U1"))
    hotline.cases.save(case)
    with pytest.raises(IntegrityError):
        hotline.cases.save(stale, idempotency=OutcomeClaim("center-1", "key-2", "fp", b"{}", later()))
    assert hotline.store.outcome("center-1", "key-2") is None


def test_settings_read_only_hotline_variables() -> None:
    settings = Settings.from_env({"HOTLINE_DATABASE_URL": "postgresql://u:p%40ss@db:5433/h?schema=s", "PATH": "/bin"})
    target = settings.database
    assert (target.kind, target.host, target.port, target.user, target.password, target.dbname, target.schema_name) == (
        "postgres", "db", 5433, "u", "p@ss", "h", "s"
    )
    assert "p@ss" not in target.describe()
    with pytest.raises(ValueError, match="unsupported scheme 'mysql'"):
        _ = Settings(database_url="mysql://x").database


def test_inserts_keep_the_writers_lock_that_orders_positions(hotline: Any) -> None:
    """POSTGRES_ENABLE_DB_FUNCTIONS drops the lock and a follower can miss events: it stays off.

    The lock is an advisory one named after the table (a hardened role cannot LOCK TABLE in
    EXCLUSIVE mode); it serialises every writer of the log just the same."""
    if hotline.store.target.kind == "postgres":
        assert hotline.store.factory.datastore.enable_db_functions is False
        assert any("pg_advisory_xact_lock" in s.as_string() for s in hotline.store.recorder.lock_table_statements)
    else:
        assert hotline.store.factory.datastore.pool.pool_timeout == 30.0  # one writer: wait, do not fail


def test_long_lived_counters_and_tallies_are_snapshotted_too(database_url: str) -> None:
    hotline = bootstrap(make_settings(database_url, snapshot_interval=3))
    try:
        seed_units(hotline)
        for _ in range(41):  # three blocks of numbers: the counter at version 4
            accept(hotline)
        numbers = list(hotline.store.snapshots.get(counter_id(later().date())))
        assert [s.originator_version for s in numbers] == [3]
        assert numbers[0].mutate(None).issued == 40
        registry = list(hotline.store.snapshots.get(REGISTRY_ID))
        assert registry and registry[-1].mutate(None).units.keys() >= {"U1", "U2", "U3"}
    finally:
        hotline.close()


def test_several_positions_recorded_in_one_statement_each_move_on_from_where_its_batch_started(hotline: Any) -> None:
    """The read models' group records every member's position at once: each moves from the position its batch
    started from, and from nowhere else (another process moved it: the whole statement is refused, its
    transaction rolls back); never backwards."""
    recorder = hotline.store.recorder
    with hotline.store.sql.transaction() as cursor:
        recorder.record_positions(cursor.raw, {"group-a": 0, "group-b": 0}, 10)
    assert (recorder.max_tracking_id("group-a"), recorder.max_tracking_id("group-b")) == (10, 10)
    with pytest.raises(IntegrityError, match="group-a"), hotline.store.sql.transaction() as cursor:
        recorder.record_positions(cursor.raw, {"group-a": 10, "group-c": 0}, 10)  # not forwards
    with pytest.raises(IntegrityError, match="group-a"), hotline.store.sql.transaction() as cursor:
        recorder.record_positions(cursor.raw, {"group-a": 4, "group-c": 0}, 12)  # group-a is at 10, not at 4
    with pytest.raises(IntegrityError, match="group-c"), hotline.store.sql.transaction() as cursor:
        recorder.record_positions(cursor.raw, {"group-a": 10, "group-c": 3}, 12)  # group-c is nowhere yet
    assert (recorder.max_tracking_id("group-a"), recorder.max_tracking_id("group-c")) == (10, None)
    with hotline.store.sql.transaction() as cursor:
        recorder.record_positions(cursor.raw, {"group-a": 10, "group-c": 0}, 12)
    assert (recorder.max_tracking_id("group-a"), recorder.max_tracking_id("group-b"), recorder.max_tracking_id("group-c")) == (12, 10, 12)


def _commit_waits(cursor: Any, kind: str) -> bool:
    if kind == "sqlite":
        return cursor.fetch("PRAGMA synchronous")[0]["synchronous"] >= 2  # FULL: the commit syncs the log to disk
    return cursor.fetch("SHOW synchronous_commit")[0]["synchronous_commit"] != "off"


def test_only_the_read_models_commit_without_waiting_for_the_disk_and_the_connection_is_given_back_durable(hotline: Any) -> None:
    """What can be derived again from the log (the read models) does not wait for the disk at commit; commands
    and the rules process, which write the log, do; and a connection lent for a read model goes back to the
    pool as durable as it came (SQLite's level is a setting of the connection, not of the transaction)."""
    sql, kind = hotline.store.sql, hotline.store.sql.kind
    with sql.transaction() as cursor:
        assert _commit_waits(cursor, kind)
    with sql.transaction(durable=False) as cursor:
        assert not _commit_waits(cursor, kind)
    for _ in range(20):  # every pooled connection, after it served a read model, commits durably again
        with sql.transaction() as cursor:
            assert _commit_waits(cursor, kind)
    seed_units(hotline)
    levels: list[bool] = []
    original = type(sql).transaction

    def watched(self: Any, **kwargs: Any) -> Any:
        class Watched:
            def __enter__(inner) -> Any:
                inner.context = original(self, **kwargs)
                cursor = inner.context.__enter__()
                if kwargs.get("commit", True):
                    levels.append((kwargs.get("durable", True), _commit_waits(cursor, kind)))
                return cursor

            def __exit__(inner, *exc: Any) -> Any:
                return inner.context.__exit__(*exc)

        return Watched()

    type(sql).transaction = watched  # type: ignore[method-assign]
    try:
        accept(hotline)
        hotline.followers.catch_up()
    finally:
        type(sql).transaction = original  # type: ignore[method-assign]
    assert (False, False) in levels  # the read models' batch
    assert all(waits for durable, waits in levels if durable)


def test_two_processes_following_the_same_read_models_never_count_an_event_twice(settings: Any) -> None:
    """One process's read models handled part of a batch another process then handles whole (a worker, and a
    server not told ``HOTLINE_FOLLOWERS=external``): the second's position does not start where the store
    stands, so its transaction is refused, and it goes on from the first's position. Figures equal a rebuild."""
    from datetime import timedelta

    from hotline.bootstrap import bootstrap
    from tests.builders import CENTER
    from tests.conftest import START
    from tests.world import accept, ctx, seed_units

    first, second = bootstrap(settings), bootstrap(settings)
    try:
        seed_units(first)
        first.followers.catch_up()
        second.followers.runner("case_index").refresh()  # both stand at the same position now
        before = first.store.head()
        case_id = accept(first)
        first.cases.dispatch(case_id, lead_unit="U1", co_units=[], working_days=None, response_hours=None, ctx=ctx(CENTER, START + timedelta(minutes=1)))
        part = first.store.head()
        accept(first, START + timedelta(minutes=2))
        whole = first.store.recorder.select_notifications(start=before, limit=100, inclusive_of_start=False)
        for process, upto in ((first, part), (second, first.store.head())):
            group = process.followers.runner("case_index")
            group.handle([n for n in whole if n.id <= upto])  # the second still holds the position it read before
        second.followers.catch_up()
        month = START.strftime("%Y-%m")
        live = first.scorecards.totals((month, month), units=["U1"])
        first.scorecards.reset()
        first.followers.catch_up()
        assert live == first.scorecards.totals((month, month), units=["U1"])
        assert live[("U1", "")]["dispatched"] == 1
    finally:
        first.close()
        second.close()


def test_a_read_model_alone_moves_on_only_from_where_it_knows_it_stands(hotline: Any) -> None:
    """A read model that left the group (or is rebuilt alone) records its position as the group does: a batch
    whose start another process has moved past is refused, and once it has read where it stands it goes on."""
    from eventsourcing.persistence import Tracking

    from tests.world import accept, seed_units

    seed_units(hotline)
    accept(hotline)
    hotline.followers.catch_up()
    view = hotline.scorecards
    at = view.tracked()
    accept(hotline)  # not handled here: another process will have
    head = hotline.store.head()
    with hotline.store.sql.transaction() as cursor:  # another process handled up to the head meanwhile
        hotline.store.recorder.record_positions(cursor.raw, {view.name: at}, head)
    with pytest.raises(IntegrityError, match=view.name), view.batch(Tracking(view.name, head + 1)):
        pass
    assert view.tracked() == head
    with view.batch(Tracking(view.name, head + 1)):
        pass
    assert view.tracked() == head + 1
