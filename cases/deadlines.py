"""Deadlines counted on the working-day calendar, each carrying the rule that set it.

A handling deadline is N working days after the act that started it (dispatch or redo); an
approved extension adds working days past the current due date; Art. 7 supervision deadlines
are 2 working days after receipt; emergency response deadlines are hours after dispatch.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from cases.calendar import WorkingCalendar, end_of_day, local_date
from cases.model import HandlingDeadline, ResponseDeadline

OVERDUE_MARK_WORKING_DAYS = 10
"""Art. 11(1): "still more than 10 working days past the handling deadline"."""

SUPERVISION_WORKING_DAYS = 2
"""Art. 7(1), 7(2): finish within 2 working days of receipt of the urging or letter."""


def handling_deadline(
    *, start: date, working_days: int, calendar: WorkingCalendar, rule: str
) -> HandlingDeadline:
    """The deadline N working days after ``start``, with its Art. 11(1) mark."""
    due = calendar.add_working_days(start, working_days)
    mark = calendar.add_working_days(due, OVERDUE_MARK_WORKING_DAYS)
    return HandlingDeadline(
        start=start,
        working_days=working_days,
        due_date=due,
        lapses_at=end_of_day(due),
        rule=rule,
        calendar_version=calendar.version,
        provisional=calendar.spans_provisional(start, mark),
        overdue_mark_date=mark,
        overdue_mark_at=end_of_day(mark),
    )


def extended(deadline: HandlingDeadline, extra_days: int, calendar: WorkingCalendar, rule: str) -> HandlingDeadline:
    """The deadline moved ``extra_days`` working days past its current due date."""
    moved = handling_deadline(
        start=deadline.start,
        working_days=deadline.working_days + extra_days,
        calendar=calendar,
        rule=rule,
    )
    return moved.model_copy(
        update={
            "lapsed_at": deadline.lapsed_at,
            "lapse_version": deadline.lapse_version,
            "lapsed_due_date": deadline.lapsed_due_date,
        }
    )


def recomputed(deadline: HandlingDeadline, calendar: WorkingCalendar) -> HandlingDeadline:
    """The same deadline counted with another calendar version (lapses already recorded stand)."""
    fresh = handling_deadline(
        start=deadline.start, working_days=deadline.working_days, calendar=calendar, rule=deadline.rule
    )
    return fresh.model_copy(
        update={
            "lapsed_at": deadline.lapsed_at,
            "lapse_version": deadline.lapse_version,
            "lapsed_due_date": deadline.lapsed_due_date,
            "mark_passed_at": deadline.mark_passed_at,
            "mark_version": deadline.mark_version,
        }
    )


def handling_rule(working_days: int, start: date, act: str, source: str) -> str:
    return f"{working_days} working days from {act} on {start.isoformat()} ({source})"


def response_deadline(*, dispatched_at: datetime, hours: int, source: str) -> ResponseDeadline:
    """The emergency response deadline: ``hours`` clock hours after dispatch."""
    return ResponseDeadline(
        hours=hours,
        due_at=dispatched_at + timedelta(hours=hours),
        rule=f"emergency response within {hours} hours of dispatch ({source}); Art. 11(3)",
    )


def supervision_due(received_at: datetime, calendar: WorkingCalendar) -> tuple[date, bool]:
    """Art. 7(1)/(2): the 2nd working day after receipt, and whether that count is provisional."""
    start = local_date(received_at)
    due = calendar.add_working_days(start, SUPERVISION_WORKING_DAYS)
    return due, calendar.spans_provisional(start, due)
