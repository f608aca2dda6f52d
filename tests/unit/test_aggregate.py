"""Snapshots restore the exact state (datetimes as datetimes), and the envelope rules hold."""

from cases import handling
from cases.timefacts import record_due_facts
from datetime import datetime

import pytest

from foundation.aggregate import Snapshot
from cases.case import Case
from tests.builders import AGENT, handler, signed_case, urge
from tests.conftest import later


def test_a_snapshot_restores_the_same_case_with_typed_values() -> None:
    case = signed_case()
    urge(case, later(1))
    record_due_facts(case, until=later(30), now=None)
    snapshot = Snapshot.take(case)
    assert snapshot.timestamp == case.modified_on  # no clock read
    stored = Snapshot.model_validate_json(snapshot.model_dump_json())
    restored = stored.mutate(None)
    assert isinstance(restored, Case)
    assert restored.state() == case.state()
    assert isinstance(restored.current_round.deadline.lapsed_at, datetime)
    assert restored.version == case.version and restored.pending_events == []


def test_events_must_follow_the_aggregate_version() -> None:
    case = signed_case()
    event = case.pending_events[-1]
    with pytest.raises(ValueError, match=f"event version {event.originator_version} does not follow {case.version}"):
        event.mutate(case)  # already applied: not the next version


def test_every_event_carries_actor_and_recording_instant() -> None:
    case = signed_case()
    handling.reply(case, content="x", outcome="resolved", now=later(1), actor=handler("U1"))
    accepted, *_, replied = case.pending_events
    assert accepted.actor == AGENT and accepted.timestamp == later()
    assert replied.actor.unit == "U1" and replied.timestamp == later(1)
