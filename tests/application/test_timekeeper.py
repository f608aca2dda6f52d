"""The timekeeper: each lapse recorded once, at its instant, across restarts, downtime and rivals."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from typing import Any

import pytest

from cases.calendar import TZ
from foundation.errors import NotAllowedNow
from hotline.bootstrap import bootstrap
from tests.builders import ADMIN, CENTER, handler
from tests.conftest import later
from tests.world import accept, ctx, seed_units, move_clock

pytestmark = pytest.mark.storage

LAPSE = datetime(2026, 10, 11, tzinfo=TZ)


def signed(hotline: Any) -> Any:
    case_id = accept(hotline)
    hotline.cases.dispatch(case_id, lead_unit="U1", co_units=[], working_days=None, response_hours=None, ctx=ctx(CENTER))
    hotline.cases.sign(case_id, ctx=ctx(handler("U1"), later(hours=1)))
    return case_id


def kinds(hotline: Any, case_id: Any) -> list[str]:
    return [type(e).__name__ for _, e in hotline.store.positioned_events(case_id)]


def test_moving_the_simulated_clock_records_each_fact_at_its_instant(hotline: Any) -> None:
    seed_units(hotline)
    case_id = signed(hotline)
    recorded, position = move_clock(hotline, LAPSE - timedelta(minutes=1), ADMIN)
    assert recorded == 0
    recorded, position = move_clock(hotline, datetime(2026, 10, 30, tzinfo=TZ), ADMIN)
    assert recorded == 2  # the lapse and the Art. 11(1) mark
    events = [e for _, e in hotline.store.positioned_events(case_id)]
    lapse = next(e for e in events if type(e).__name__ == "HandlingDeadlineLapsed")
    assert lapse.at == LAPSE and lapse.timestamp == LAPSE
    assert position == hotline.store.head()
    assert hotline.clock.now() == datetime(2026, 10, 30, tzinfo=TZ)
    with pytest.raises(NotAllowedNow):
        move_clock(hotline, datetime(2026, 10, 29, tzinfo=TZ), ADMIN)


def test_after_a_restart_the_clock_resumes_and_nothing_is_recorded_twice(settings: Any) -> None:
    first = bootstrap(settings)
    first.start()
    seed_units(first)
    case_id = signed(first)
    move_clock(first, datetime(2026, 10, 12, tzinfo=TZ), ADMIN)
    first.close()
    second = bootstrap(settings)
    second.start()
    try:
        assert second.clock.now() == datetime(2026, 10, 12, tzinfo=TZ)  # not back to the configured start
        move_clock(second, datetime(2026, 11, 30, tzinfo=TZ), ADMIN)
        assert kinds(second, case_id).count("HandlingDeadlineLapsed") == 1
        assert kinds(second, case_id).count("OverdueMarkPassed") == 1
    finally:
        second.close()


def test_after_downtime_a_system_clock_tick_catches_up_with_the_original_instants(hotline: Any) -> None:
    seed_units(hotline)
    case_id = signed(hotline)
    hotline.followers.catch_up()
    woke_up = datetime(2026, 11, 2, 8, 30, tzinfo=TZ)
    assert hotline.timekeeper.run_until(woke_up, stamp=woke_up) == 2
    events = [e for _, e in hotline.store.positioned_events(case_id)]
    lapse = next(e for e in events if type(e).__name__ == "HandlingDeadlineLapsed")
    assert lapse.at == LAPSE and lapse.timestamp == woke_up
    hotline.followers.catch_up()
    assert hotline.timekeeper.run_until(woke_up, stamp=woke_up) == 0


def test_two_timekeepers_at_once_record_each_fact_once(settings: Any) -> None:
    one, two = bootstrap(settings), bootstrap(settings)
    try:
        seed_units(one)
        case_ids = [signed(one) for _ in range(5)]
        one.followers.catch_up()
        two.followers.catch_up()
        until = datetime(2026, 11, 2, tzinfo=TZ)
        threads = [threading.Thread(target=k.timekeeper.run_until, args=(until,), kwargs={"stamp": until}) for k in (one, two)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        for case_id in case_ids:
            assert kinds(one, case_id).count("HandlingDeadlineLapsed") == 1
            assert kinds(one, case_id).count("OverdueMarkPassed") == 1
            assert kinds(one, case_id).count("SupervisionRequired") == 1
    finally:
        one.close()
        two.close()


def test_calendar_amendment_recomputes_deadlines_not_yet_lapsed(hotline: Any) -> None:
    seed_units(hotline)
    pending = accept(hotline)
    hotline.cases.dispatch(pending, lead_unit="U1", co_units=[], working_days=2, response_hours=None, ctx=ctx(CENTER, datetime(2026, 9, 30, 10, tzinfo=TZ)))
    lapsed = accept(hotline)
    hotline.cases.dispatch(lapsed, lead_unit="U2", co_units=[], working_days=1, response_hours=None, ctx=ctx(CENTER))
    move_clock(hotline, datetime(2026, 10, 1, 12, tzinfo=TZ), ADMIN)
    assert hotline.cases.case(lapsed, CENTER).overdue
    hotline.followers.catch_up()
    recorded = hotline.admin.amend_calendar(
        2026,
        holidays=[datetime(2026, 10, 9).date(), datetime(2026, 9, 29).date()],
        workdays=[],
        kind=None,
        reason="flood closure",
        ctx=ctx(ADMIN, datetime(2026, 10, 1, 13, tzinfo=TZ)),
    )
    assert recorded.result["amendment"]["kind"] == "local"
    assert recorded.result["recomputed_cases"] == [str(pending)]
    moved = hotline.cases.case(pending, CENTER)
    assert moved.current_round.deadline.due_date.isoformat() == "2026-10-10"
    assert moved.current_round.deadline.calendar_version == recorded.version
    assert kinds(hotline, pending)[-1] == "DeadlinesRecomputed"
    untouched = hotline.cases.case(lapsed, CENTER)
    assert untouched.current_round.deadline.due_date.isoformat() == "2026-09-29"  # lapsed: it stands
    assert "DeadlinesRecomputed" not in kinds(hotline, lapsed)
    calendar = hotline.admin.calendar()
    assert calendar.version == recorded.version and not calendar.is_working_day(datetime(2026, 10, 9).date())
