"""The Cases application on both stores: visibility, state as of a time, concurrency, numbering."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from foundation.errors import NotAllowedNow, NotFound, VersionMismatch
from hotline.bootstrap import bootstrap
from tests.builders import ADMIN, CENTER, handler
from cases.numbering import counter_id
from tests.conftest import START, later
from tests.world import accept, ctx, seed_units

pytestmark = pytest.mark.storage


def dispatched(hotline: Any, **kwargs: Any) -> Any:
    case_id = accept(hotline)
    hotline.cases.dispatch(case_id, lead_unit="U1", co_units=[], working_days=None, response_hours=None, ctx=ctx(CENTER, later(hours=1)))
    return case_id


def test_a_unit_sees_only_the_cases_dispatched_to_it(hotline: Any) -> None:
    seed_units(hotline)
    case_id = dispatched(hotline)
    assert hotline.cases.case(case_id, handler("U1")).id == case_id
    with pytest.raises(NotFound):
        hotline.cases.case(case_id, handler("U2"))
    with pytest.raises(NotFound):
        hotline.cases.sign(case_id, ctx=ctx(handler("U2"), later(1)))
    assert hotline.cases.history(case_id, handler("U1"))


def test_the_case_as_of_an_instant_and_at_a_version(hotline: Any) -> None:
    seed_units(hotline)
    case_id = dispatched(hotline)
    hotline.cases.sign(case_id, ctx=ctx(handler("U1"), later(1)))
    hotline.cases.reply(case_id, content="done", outcome="resolved", ctx=ctx(handler("U1"), later(2)))
    assert hotline.cases.case(case_id, CENTER, as_of=later(1, 1)).status == "signed"
    assert hotline.cases.case(case_id, CENTER, as_of=later(0, 0.5)).status == "accepted"
    assert hotline.cases.case(case_id, CENTER, version=2).status == "dispatched"
    assert hotline.cases.case(case_id, CENTER).status == "replied"
    with pytest.raises(NotFound):
        hotline.cases.case(case_id, CENTER, as_of=later(-1))
    with pytest.raises(NotFound):
        hotline.cases.case(case_id, CENTER, version=99)


def test_history_lists_every_event_with_its_position(hotline: Any) -> None:
    seed_units(hotline)
    case_id = dispatched(hotline)
    _, history = hotline.cases.history(case_id, CENTER)
    assert [type(e).__name__ for _, e in history] == ["Accepted", "Dispatched"]
    assert [e.originator_version for _, e in history] == [1, 2]
    assert history[0][0] < history[1][0]


def test_if_match_refuses_a_stale_version_and_records_nothing(hotline: Any) -> None:
    seed_units(hotline)
    case_id = dispatched(hotline)
    with pytest.raises(VersionMismatch):
        hotline.cases.sign(case_id, ctx=ctx(handler("U1"), later(1), expected_version=1))
    assert hotline.cases.case(case_id, CENTER).version == 2
    assert hotline.cases.sign(case_id, ctx=ctx(handler("U1"), later(1), expected_version=2)).version == 3


def test_concurrent_writers_on_one_case_are_retried_not_lost(settings: Any) -> None:
    first, second = bootstrap(settings), bootstrap(settings)
    try:
        seed_units(first)
        case_id = accept(first)
        first.cases.dispatch(case_id, lead_unit="U1", co_units=["U2", "U3"], working_days=None, response_hours=None, ctx=ctx(CENTER))
        second.cases.case(case_id, CENTER)  # warm the second process's cache at version 2
        first.cases.sign(case_id, ctx=ctx(handler("U2"), later(hours=1)))
        second.cases.sign(case_id, ctx=ctx(handler("U3"), later(hours=2)))  # stale cache: conflict, retried
        case = first.cases.case(case_id, CENTER)
        assert [s.unit for s in case.current_round.signatures] == ["U2", "U3"]
    finally:
        first.close()
        second.close()


def test_commands_on_one_case_in_one_process_take_turns_and_none_is_decided_twice(hotline: Any) -> None:
    """Twenty urgings at once on one case: all land, numbered 1..20, and none had to be decided again
    (before, each save that found the case moved on decided again; on a slow machine some ran out of attempts)."""
    seed_units(hotline)
    case_id = dispatched(hotline)
    retries_before = hotline.store.retries
    start = threading.Barrier(20)

    def urge(i: int) -> None:
        start.wait()
        hotline.cases.urge(
            case_id, method="phone", unit="U1", note=f"{i}", due_date=None, signed_by=[], instruction=None, leader=None,
            addressee=None, received_at=None, ctx=ctx(CENTER, later(hours=2)),
        )

    threads = [threading.Thread(target=urge, args=(i,)) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    case = hotline.cases.case(case_id, CENTER)
    assert sorted(u.n for u in case.urgings) == list(range(1, 21))
    assert sorted(u.note for u in case.urgings) == sorted(str(i) for i in range(20))
    assert hotline.store.retries == retries_before


def test_case_numbers_are_unique_and_sequential_per_day_under_concurrency(hotline: Any) -> None:
    seed_units(hotline)
    ids: list[Any] = []
    errors: list[BaseException] = []

    def accept_some() -> None:
        try:
            for _ in range(5):
                ids.append(accept(hotline, later(hours=3)))
        except BaseException as error:  # noqa: BLE001
            errors.append(error)

    threads = [threading.Thread(target=accept_some) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    numbers = sorted(hotline.cases.case(i, CENTER).number for i in ids)
    assert numbers == [f"20260928{n:05d}" for n in range(1, 21)]
    assert accept(hotline, later(1)) and hotline.cases.case(accept(hotline, later(1)), CENTER).number == "2026092900002"


def test_each_process_numbers_from_a_block_of_its_own_and_a_stopped_process_leaves_a_gap(settings: Any) -> None:
    """Accepts do not all write the day's counter: a process reserves 20 numbers at a time (``cases.numbering``)."""
    first, second = bootstrap(settings), bootstrap(settings)
    try:
        seed_units(first)

        def numbers(hotline: Any, n: int) -> list[str]:
            return [hotline.cases.case(accept(hotline), CENTER).number[-5:] for _ in range(n)]

        assert numbers(first, 3) == ["00001", "00002", "00003"]
        assert numbers(second, 2) == ["00021", "00022"]
        assert numbers(first, 1) == ["00004"]
        counter = first.cases.find(counter_id(START.date()))
        assert counter is not None and counter.version == 3  # opened, two blocks: not one write per accept
    finally:
        first.close()
        second.close()
    restarted = bootstrap(settings)
    try:
        assert numbers(restarted, 1) == ["00041"]  # the blocks the stopped processes held are never issued
    finally:
        restarted.close()


def test_reference_data_read_together_follows_a_change_another_process_made(settings: Any) -> None:
    """A dispatch reads the registry, policy and calendar it kept while their versions stand; a change elsewhere is seen at once."""
    first, second = bootstrap(settings), bootstrap(settings)
    try:
        seed_units(first)
        first.cases.dispatch(accept(first), lead_unit="U1", co_units=[], working_days=None, response_hours=None, ctx=ctx(CENTER))
        kept = first.cases.reference.now()
        assert kept.registry is first.cases.reference.now().registry  # unchanged: the same aggregate, not read again
        second.admin.register_unit(unit_id="U9", name="unit U9", kind="member", parent_id=None, superior_id=None, ctx=ctx(ADMIN))
        case_id = accept(first)
        first.cases.dispatch(case_id, lead_unit="U9", co_units=[], working_days=None, response_hours=None, ctx=ctx(CENTER))
        assert first.cases.case(case_id, CENTER).lead_units() == ["U9"]
    finally:
        first.close()
        second.close()


def test_a_refused_command_leaves_the_cached_case_as_it_was_stored(hotline: Any) -> None:
    """A command works on a copy of the cached case: what it did before being refused is not kept."""
    seed_units(hotline)
    case_id = accept(hotline)
    hotline.cases.dispatch(case_id, lead_unit="U1", ctx=ctx(CENTER))
    stored = hotline.cases.find(case_id).version
    with pytest.raises(NotAllowedNow):  # first records the lapse of 10-10 (prepare), then refuses a reply before signing
        hotline.cases.reply(case_id, content="x", outcome="resolved", ctx=ctx(handler("U1"), later(20)))
    assert hotline.cases.find(case_id).version == stored
    assert [type(e).__name__ for _, e in hotline.store.positioned_events(case_id)][-1] == "Dispatched"
    hotline.cases.sign(case_id, ctx=ctx(handler("U1"), later(20)))
    kinds = [type(e).__name__ for _, e in hotline.store.positioned_events(case_id)]
    assert kinds[-3:] == ["HandlingDeadlineLapsed", "SupervisionRequired", "Signed"]
