"""Deadlines counted on the working-day calendar, each carrying the rule that set it.

A handling deadline is N working days after the act that started it (dispatch or redo); an
approved extension adds working days past the current due date; Art. 7 supervision deadlines
are 2 working days after receipt; emergency response deadlines are hours after dispatch.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from cases.calendar import WorkingCalendar, end_of_day, local_date
from cases.values import HandlingDeadline, ResponseDeadline

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
    """The deadline moved ``extra_days`` working days past its current due date.

    Approved before the lapse, the extension moves everything counted from the due date (the
    Art. 11(1) mark too). Approved after the lapse, it only gives the unit a new due date for its
    work: what the lapse established stays as it was (the lapse, the lapsed due date, and the
    Art. 11(1) mark counted from that due date), so the mark is recorded once and the case counts
    for Art. 11(2) in the month of the due date that lapsed.
    """
    moved = handling_deadline(
        start=deadline.start,
        working_days=deadline.working_days + extra_days,
        calendar=calendar,
        rule=rule,
    )
    if deadline.lapsed_at is None:
        return moved
    return deadline.model_copy(
        update={"working_days": moved.working_days, "due_date": moved.due_date, "lapses_at": moved.lapses_at, "rule": rule}
    )


def recomputed(deadline: HandlingDeadline, calendar: WorkingCalendar) -> HandlingDeadline:
    """The same deadline counted with another calendar version (only a deadline that has not lapsed is recounted)."""
    return handling_deadline(start=deadline.start, working_days=deadline.working_days, calendar=calendar, rule=deadline.rule)


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
