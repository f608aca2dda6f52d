"""A database written by the first release (0.1.0) keeps working: its events load, upcast where their
shape changed, its snapshots restore, and the read models and timers are rebuilt from its log.

The fixture is the demo of release 0.1.0 (commit ab4ab5f) on SQLite with snapshots every 4 events;
its stored rows are copied as they are into a fresh store of each kind, then opened by this code.
"""

from __future__ import annotations

import base64
import sqlite3
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.persistence import StoredEvent

from foundation.clock import SIMULATION_ID, TZ
from foundation.actors import Actor
from foundation.application import Context
from cases.case import Case
from hotline.bootstrap import bootstrap
from projections.findings_index import FindingFilter
from projections.pages import ListFilter
from tests.conftest import make_settings
from tests.world import move_clock

pytestmark = pytest.mark.storage

FIXTURE = Path(__file__).parent.parent / "fixtures" / "release-0.1.0.sqlite3"
KEY = base64.b64encode(b"legacy-fixture-key-32-bytes-long").decode()
CLOCK = datetime(2026, 10, 20, 9, tzinfo=TZ)
CENTER = Actor(staff="center-01", unit="GZ-CENTER", roles=("center",))


def _rows(table: str) -> list[StoredEvent]:
    with sqlite3.connect(FIXTURE) as db:
        rows = db.execute(f"SELECT originator_id, originator_version, topic, state FROM {table} ORDER BY " + ("rowid" if table == "stored_events" else "originator_id, originator_version")).fetchall()  # noqa: S608
    return [StoredEvent(originator_id=UUID(hex=r[0]), originator_version=r[1], topic=r[2], state=bytes(r[3])) for r in rows]


@pytest.fixture
def upgraded(database_url: str) -> Any:
    """The release's events and snapshots in a fresh store of each kind, opened by this code."""
    settings = make_settings(database_url, cipher_key=KEY, clock_start=CLOCK, snapshot_interval=4)
    empty = bootstrap(settings)
    empty.store.recorder.insert_events(_rows("stored_events"))
    empty.store.snapshot_recorder.insert_events(_rows("stored_snapshots"))
    empty.store.recorder.delete_tracking("timers")  # as it was: the release had no timers index
    empty.close()
    hotline = bootstrap(settings)
    hotline.start()
    yield hotline
    hotline.close()


def test_every_aggregate_of_the_release_loads(upgraded: Any) -> None:
    events = upgraded.store.read(0, 1000)[:398]
    topics = {n.topic for n in events}
    assert {"cases.events:Dispatched", "cases.events:RedoOrdered"} <= topics
    for originator in {n.originator_id for n in events}:
        aggregate = upgraded.cases.find(originator)
        assert aggregate is not None and aggregate.version >= 1
    dispatched = [upgraded.store.mapper.to_domain_event(n) for n in events if n.topic == "cases.events:Dispatched"]
    assert dispatched and all(e.handling_round.n >= 1 for e in dispatched)  # v1 ``round`` upcast to ``handling_round``


def test_the_simulated_clock_stored_under_its_old_topic_resumes(database_url: str) -> None:
    """``SimulatedTime`` lived in ``hotline.clock`` in the release; a simulation it recorded still resumes."""
    settings = make_settings(database_url, cipher_key=KEY, clock_start=CLOCK)
    empty = bootstrap(settings)
    mapper = empty.store.mapper
    moved = CLOCK + timedelta(days=3)
    state = {"timestamp": moved.isoformat(), "actor": CENTER.model_dump(mode="json"), "at": moved.isoformat()}
    empty.store.recorder.insert_events(
        [StoredEvent(originator_id=SIMULATION_ID, originator_version=1, topic="hotline.clock:SimulatedTime.Started", state=mapper.encode_state(state))]
    )
    empty.close()
    resumed = bootstrap(settings)
    try:
        assert resumed.clock.now() == moved
    finally:
        resumed.close()


def test_the_corrected_rules_restate_undecided_findings_once_and_leave_decided_ones(upgraded: Any, database_url: str) -> None:
    """Rules revision 2 words 11(1) findings naming the urged unit: the undecided ones are restated, saying why."""
    added = [upgraded.store.mapper.to_domain_event(n) for n in upgraded.store.read(398, 1000)]
    assert [type(e).__name__ for e in added] == ["BasisExtended"] * 4
    assert all(e.reason == "规则修订后重新认定：依据或表述更正" and "承办单位U-URBAN经两次催办" in e.description for e in added)
    sanctioned = upgraded.findings_index.list(FindingFilter(status="sanctioned"), page_size=10, page_token=None)[0]
    assert sanctioned and all(UUID(f["id"]) not in {e.originator_id for e in added} for f in sanctioned)
    head = upgraded.store.head()
    upgraded.close()
    again = bootstrap(make_settings(database_url, cipher_key=KEY, clock_start=CLOCK, snapshot_interval=4))
    try:
        assert again.store.head() == head  # once
    finally:
        again.close()


def test_a_finding_of_the_release_reads_as_a_unit_with_its_staff_concerned(upgraded: Any) -> None:
    (sanctioned,) = upgraded.findings_index.list(FindingFilter(status="sanctioned"), page_size=10, page_token=None)[0]
    finding = upgraded.findings.find(UUID(sanctioned["id"]))
    assert finding.subject.staff is None and finding.staff_concerned == ("u-urban-handler",)
    (sanction,) = finding.sanctions
    assert (sanction.n, sanction.measures, sanction.scope, sanction.staff) == (1, ("14(1)",), "individual", "u-urban-handler")
    assert finding.status == "sanctioned" and sanctioned["measures"] == ["14(1)"]


def test_snapshots_of_the_release_restore_the_same_state_as_its_events(upgraded: Any) -> None:
    case_ids = {n.originator_id for n in upgraded.store.read(0, 1000) if n.topic == "cases.events:Accepted"}
    snapshotted = 0
    for case_id in case_ids:
        via_snapshots = upgraded.cases.repository.get(case_id)
        from_events = None
        for event in upgraded.store.events.get(case_id):
            from_events = event.mutate(from_events)
        assert isinstance(via_snapshots, Case) and via_snapshots.state() == from_events.state()
        snapshotted += bool(list(upgraded.store.snapshots.get(case_id)))
    assert snapshotted > 10


def test_read_models_and_timers_are_rebuilt_from_the_release_log(upgraded: Any) -> None:
    items, _ = upgraded.index.list(ListFilter(), page_size=100, page_token=None)
    assert len(items) == 40
    findings, _ = upgraded.findings_index.list(FindingFilter(), page_size=100, page_token=None)
    assert len(findings) == 18 and {f["status"] for f in findings} >= {"candidate", "sanctioned"}
    open_cases = {UUID(i["id"]) for i in items if i["status"] in ("dispatched", "signed", "redo")}
    assert open_cases and set(upgraded.timers.pending()) <= open_cases and upgraded.timers.pending()


def test_the_upgraded_store_keeps_working(upgraded: Any) -> None:
    items, _ = upgraded.index.list(ListFilter(status="signed"), page_size=100, page_token=None)
    case_id = UUID(items[0]["id"])
    recorded = upgraded.cases.urge(case_id, method="sms", unit=items[0]["lead_unit"], ctx=Context(actor=CENTER, now=CLOCK))
    assert recorded.aggregate.urgings[-1].article == "7(1)"
    before = len(upgraded.store.read(0, 2000))
    facts, _ = move_clock(upgraded, CLOCK + timedelta(days=30), CENTER)
    assert facts > 0 and len(upgraded.store.read(0, 5000)) > before
    assert upgraded.consistent(upgraded.store.head())
