"""The working-day calendar against real State Council arrangements (no database)."""

from datetime import date, datetime

import pytest

from cases.calendar import TZ, Amendment, WorkingCalendar, end_of_day, local_date, month_of, statutory_days

CAL = WorkingCalendar()


@pytest.mark.parametrize(
    ("start", "days", "due"),
    [
        (date(2026, 9, 28), 5, date(2026, 10, 10)),  # Mon before National Day: ends on the make-up Saturday
        (date(2026, 9, 30), 2, date(2026, 10, 9)),  # the holiday week does not count
        (date(2026, 10, 9), 2, date(2026, 10, 12)),  # Sat 10-10 is a working day, Sun 10-11 is not
        (date(2026, 2, 13), 1, date(2026, 2, 14)),  # Spring Festival make-up Saturday
        (date(2026, 2, 13), 2, date(2026, 2, 24)),  # 02-15..02-23 off
        (date(2026, 2, 27), 1, date(2026, 2, 28)),  # second Spring Festival make-up Saturday
        (date(2026, 4, 30), 1, date(2026, 5, 6)),  # Labour Day 05-01..05-05
        (date(2026, 5, 8), 1, date(2026, 5, 9)),  # Labour Day make-up Saturday
        (date(2026, 12, 30), 3, date(2027, 1, 5)),  # year end into 2027: 01-01 is a statutory holiday
        (date(2026, 10, 1), 1, date(2026, 10, 8)),  # an act on a holiday counts from the next working day
    ],
)
def test_working_days_follow_the_state_council_arrangement(start: date, days: int, due: date) -> None:
    assert CAL.add_working_days(start, days) == due


def test_make_up_saturday_is_a_working_day_and_holiday_weekday_is_not() -> None:
    assert CAL.is_working_day(date(2026, 10, 10))
    assert not CAL.is_working_day(date(2026, 10, 11))
    assert not CAL.is_working_day(date(2026, 10, 7))
    assert CAL.is_working_day(date(2026, 10, 8))
    assert not CAL.is_working_day(date(2026, 9, 26))  # Saturday, no make-up


def test_a_period_is_at_least_one_working_day() -> None:
    with pytest.raises(ValueError, match="^a working-day period is at least 1 working day$"):
        CAL.add_working_days(date(2026, 9, 28), 0)
    assert CAL.add_working_days(date(2026, 9, 30), 1) == date(2026, 10, 8)  # the National Day week is skipped


def test_years_without_official_data_fall_back_to_statutory_days_and_are_provisional() -> None:
    days_2027 = statutory_days(2027)
    assert len(days_2027) == 13  # the 2024 revision of the national holiday regulation
    assert {date(2027, 2, 5), date(2027, 2, 6), date(2027, 2, 7), date(2027, 2, 8)} <= days_2027  # eve + 3
    assert {date(2027, 10, 1), date(2027, 10, 2), date(2027, 10, 3)} <= days_2027
    assert date(2027, 10, 4) not in days_2027  # substitutions are not guessed
    assert CAL.is_provisional(date(2027, 3, 1))
    assert not CAL.is_provisional(date(2026, 3, 1))
    assert CAL.spans_provisional(date(2026, 12, 30), date(2027, 1, 5))
    assert not CAL.spans_provisional(date(2026, 1, 5), date(2026, 12, 31))


def test_a_published_arrangement_replaces_the_fallback_and_is_definitive() -> None:
    published = Amendment(
        year=2027, kind="state_council", holidays=(date(2027, 10, 4), date(2027, 10, 5)), workdays=(date(2027, 9, 26),)
    )
    cal = WorkingCalendar({2027: published}, version=2)
    assert not cal.is_provisional(date(2027, 6, 1))
    assert not cal.is_working_day(date(2027, 10, 4))
    assert cal.is_working_day(date(2027, 9, 26))  # a Sunday made a working day
    assert cal.is_working_day(date(2027, 10, 1))  # the published list is the whole arrangement
    assert cal.version == 2


def test_a_local_closure_is_layered_over_the_official_year() -> None:
    closure = Amendment(year=2026, kind="local", holidays=(date(2026, 10, 9),))
    cal = WorkingCalendar({2026: closure}, version=3)
    assert not cal.is_working_day(date(2026, 10, 9))
    assert not cal.is_working_day(date(2026, 10, 5))  # official holidays stay
    assert cal.add_working_days(date(2026, 9, 30), 2) == date(2026, 10, 10)


def test_a_deadline_lapses_at_24_00_shanghai_of_its_due_date() -> None:
    assert end_of_day(date(2026, 10, 9)) == datetime(2026, 10, 10, 0, 0, tzinfo=TZ)
    assert end_of_day(date(2026, 3, 31)).isoformat() == "2026-04-01T00:00:00+08:00"
    assert month_of(date(2026, 3, 31)) == "2026-03"


def test_local_date_reads_instants_in_shanghai() -> None:
    from datetime import timezone

    assert local_date(datetime(2026, 9, 30, 16, 30, tzinfo=timezone.utc)) == date(2026, 10, 1)


def test_the_exceptions_of_a_year_are_its_non_working_weekdays_and_working_weekends() -> None:
    holidays, workdays = CAL.exceptions(2026)
    assert workdays == [date(2026, 1, 4), date(2026, 2, 14), date(2026, 2, 28), date(2026, 5, 9), date(2026, 9, 20), date(2026, 10, 10)]
    assert date(2026, 10, 1) in holidays and date(2026, 10, 7) in holidays and date(2026, 10, 8) not in holidays
    assert all(d.weekday() < 5 for d in holidays) and all(d.weekday() >= 5 for d in workdays)
    assert len(holidays) == 19
    closed = WorkingCalendar({2026: Amendment(year=2026, kind="local", holidays=(date(2026, 12, 31),))}, version=1)
    assert closed.exceptions(2026)[0][-1] == date(2026, 12, 31)  # the last day of the year is counted too


def test_a_year_without_official_data_is_counted_on_the_statutory_fallback_until_amended() -> None:
    arrangement = WorkingCalendar().arrangement(2027)
    assert (arrangement.source, arrangement.provisional) == ("statutory_fallback", True)
    official = WorkingCalendar().arrangement(2026)
    assert (official.source, official.provisional) == ("state_council", False)
    assert WorkingCalendar().version == 0
