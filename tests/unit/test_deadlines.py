"""Handling, supervision and response deadlines carry their rule and calendar version."""

from datetime import date, datetime

from cases.calendar import TZ, Amendment, WorkingCalendar
from cases.deadlines import extended, handling_deadline, recomputed, response_deadline, supervision_due

CAL = WorkingCalendar()


def test_handling_deadline_over_national_day_and_its_11_1_mark() -> None:
    deadline = handling_deadline(start=date(2026, 9, 28), working_days=5, calendar=CAL, rule="r")
    assert deadline.due_date == date(2026, 10, 10)
    assert deadline.lapses_at == datetime(2026, 10, 11, tzinfo=TZ)
    # the 10th working day after Sat 10-10: 10-12 .. 10-16, 10-19 .. 10-23
    assert deadline.overdue_mark_date == date(2026, 10, 23)
    assert deadline.overdue_mark_at == datetime(2026, 10, 24, tzinfo=TZ)
    assert deadline.calendar_version == 0 and not deadline.provisional


def test_an_extension_before_the_lapse_moves_the_due_date_and_the_mark() -> None:
    deadline = handling_deadline(start=date(2026, 9, 28), working_days=5, calendar=CAL, rule="r")
    assert (deadline.due_date, deadline.overdue_mark_date) == (date(2026, 10, 10), date(2026, 10, 23))
    moved = extended(deadline, 3, CAL, "r+3")
    assert (moved.due_date, moved.working_days, moved.rule) == (date(2026, 10, 14), 8, "r+3")  # 10-12, 10-13, 10-14
    assert moved.overdue_mark_date == date(2026, 10, 28) and moved.overdue_mark_at == datetime(2026, 10, 29, tzinfo=TZ)
    assert moved.lapses_at == datetime(2026, 10, 15, tzinfo=TZ)


def test_an_extension_after_the_lapse_keeps_what_the_lapse_established() -> None:
    deadline = handling_deadline(start=date(2026, 9, 28), working_days=5, calendar=CAL, rule="r")
    lapsed = deadline.model_copy(
        update={"lapsed_at": deadline.lapses_at, "lapse_version": 7, "lapsed_due_date": date(2026, 10, 10), "mark_passed_at": None}
    )
    moved = extended(lapsed, 3, CAL, "r+3")
    assert (moved.due_date, moved.working_days, moved.lapses_at) == (date(2026, 10, 14), 8, datetime(2026, 10, 15, tzinfo=TZ))
    assert (moved.lapsed_at, moved.lapse_version, moved.lapsed_due_date) == (datetime(2026, 10, 11, tzinfo=TZ), 7, date(2026, 10, 10))
    assert (moved.overdue_mark_date, moved.overdue_mark_at) == (date(2026, 10, 23), datetime(2026, 10, 24, tzinfo=TZ))
    assert moved.rule == "r+3"
    marked = lapsed.model_copy(update={"mark_passed_at": deadline.overdue_mark_at, "mark_version": 9})
    assert extended(marked, 3, CAL, "r+3").mark_version == 9


def test_recomputed_with_an_amended_calendar() -> None:
    deadline = handling_deadline(start=date(2026, 9, 30), working_days=2, calendar=CAL, rule="r")
    assert deadline.due_date == date(2026, 10, 9)
    closed = WorkingCalendar({2026: Amendment(year=2026, kind="local", holidays=(date(2026, 10, 9),))}, version=4)
    again = recomputed(deadline, closed)
    assert again.due_date == date(2026, 10, 10)
    assert again.calendar_version == 4


def test_a_deadline_reaching_into_an_unpublished_year_is_provisional() -> None:
    deadline = handling_deadline(start=date(2026, 12, 28), working_days=5, calendar=CAL, rule="r")
    assert deadline.provisional


def test_supervision_due_two_working_days_after_receipt() -> None:
    assert supervision_due(datetime(2026, 9, 30, 15, tzinfo=TZ), CAL) == (date(2026, 10, 9), False)
    assert supervision_due(datetime(2026, 10, 9, 10, tzinfo=TZ), CAL) == (date(2026, 10, 12), False)


def test_response_deadline_counts_clock_hours() -> None:
    dispatched = datetime(2026, 10, 1, 23, 30, tzinfo=TZ)
    response = response_deadline(dispatched_at=dispatched, hours=2, source="policy")
    assert response.due_at == datetime(2026, 10, 2, 1, 30, tzinfo=TZ)  # clock hours run through the holiday night
    assert "11(3)" in response.rule
