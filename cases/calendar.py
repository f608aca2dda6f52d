"""The working-day calendar (工作日): State Council holidays and make-up working days (调休).

Deadlines in the measures are counted in working days: "2 working days" in Art. 7, "10 working
days past the handling deadline" in Art. 11(1). A working day is Monday to Friday, except the
State Council's holidays, plus the weekend days it declares make-up working days.

Sources, in order:

1. an amendment the center recorded for the year (``PUT /v1/calendar/{year}``);
2. the State Council arrangement as published in ``chinese-calendar`` (2004 to the last year
   the package knows, 2026 in 1.11);
3. for a year without official data: Monday to Friday minus the fixed statutory days of the
   national holiday regulation (全国年节及纪念日放假办法, 2024 revision: 13 days), whose lunar
   dates come from the ``holidays`` package. Deadlines that fall in such a year are marked
   provisional until the arrangement is published and recorded.

A period of N working days from an act on day D ends at 24:00 (Asia/Shanghai) of the N-th
working day after D.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from functools import cache
from typing import Literal

import chinese_calendar
import holidays as holiday_tables
from pydantic import BaseModel, ConfigDict

from foundation.clock import TZ


AmendmentKind = Literal["state_council", "local"]


class Amendment(BaseModel):
    """The center's amendment of one year of the calendar.

    ``state_council``: the published arrangement for a year the package does not know yet; it
    replaces the statutory fallback and makes the year's deadlines definitive.
    ``local``: closures or extra working days layered over the official arrangement.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    year: int
    kind: AmendmentKind
    holidays: tuple[date, ...] = ()
    workdays: tuple[date, ...] = ()
    reason: str = ""


class YearArrangement(BaseModel):
    """The non-working weekdays and working weekend days of one year."""

    model_config = ConfigDict(frozen=True)

    year: int
    holidays: frozenset[date]
    workdays: frozenset[date]
    source: Literal["state_council", "statutory_fallback", "amended"]
    provisional: bool


@cache
def official_years() -> frozenset[int]:
    """The years for which ``chinese-calendar`` carries the State Council arrangement."""
    return frozenset(day.year for day in chinese_calendar.holidays)


@cache
def _official(year: int) -> YearArrangement:
    return YearArrangement(
        year=year,
        holidays=frozenset(d for d in chinese_calendar.holidays if d.year == year),
        workdays=frozenset(d for d in chinese_calendar.workdays if d.year == year),
        source="state_council",
        provisional=False,
    )


@cache
def statutory_days(year: int) -> frozenset[date]:
    """The fixed statutory holidays of ``year`` (no substitutions, no make-up days).

    The ``holidays`` package computes the lunar festivals; its "observed" and "Day off
    (substituted ...)" entries are guesses at a future arrangement and are left out.
    """
    table = holiday_tables.country_holidays("CN", years=year, language="en_US")
    return frozenset(
        day
        for day, name in table.items()
        if "observed" not in name.lower() and not name.lower().startswith("day off")
    )


@cache
def _fallback(year: int) -> YearArrangement:
    return YearArrangement(
        year=year,
        holidays=statutory_days(year),
        workdays=frozenset(),
        source="statutory_fallback",
        provisional=True,
    )


def base_arrangement(year: int) -> YearArrangement:
    """The arrangement of ``year`` before any amendment."""
    return _official(year) if year in official_years() else _fallback(year)


def amended(base: YearArrangement, amendment: Amendment) -> YearArrangement:
    """Apply an amendment: a published arrangement replaces the base; a local one is layered."""
    holidays_ = frozenset(amendment.holidays)
    workdays_ = frozenset(amendment.workdays)
    if amendment.kind == "state_council":
        return YearArrangement(
            year=base.year, holidays=holidays_, workdays=workdays_, source="amended", provisional=False
        )
    return YearArrangement(
        year=base.year,
        holidays=(base.holidays - workdays_) | holidays_,
        workdays=(base.workdays - holidays_) | workdays_,
        source="amended",
        provisional=base.provisional,
    )


class WorkingCalendar:
    """Working-day arithmetic with the calendar in force at one version of the amendments."""

    def __init__(self, amendments: Mapping[int, Amendment] | None = None, version: int = 0) -> None:
        self.version = version
        self._amendments = dict(amendments or {})
        self._years: dict[int, YearArrangement] = {}

    def arrangement(self, year: int) -> YearArrangement:
        if year not in self._years:
            base = base_arrangement(year)
            amendment = self._amendments.get(year)
            self._years[year] = amended(base, amendment) if amendment else base
        return self._years[year]

    def is_working_day(self, day: date) -> bool:
        year = self.arrangement(day.year)
        if day in year.workdays:
            return True
        if day in year.holidays:
            return False
        return day.weekday() < 5

    def is_provisional(self, day: date) -> bool:
        return self.arrangement(day.year).provisional

    def add_working_days(self, start: date, days: int) -> date:
        """The ``days``-th working day after ``start`` (``start`` itself never counts)."""
        if days < 1:
            raise ValueError("a working-day period is at least 1 working day")
        day, counted = start, 0
        while counted < days:
            day += timedelta(days=1)
            if self.is_working_day(day):
                counted += 1
        return day

    def exceptions(self, year: int) -> tuple[list[date], list[date]]:
        """The year's non-working weekdays and working weekend days, as the service counts them."""
        first, last = date(year, 1, 1), date(year, 12, 31)
        days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
        holidays_ = [d for d in days if d.weekday() < 5 and not self.is_working_day(d)]
        workdays_ = [d for d in days if d.weekday() >= 5 and self.is_working_day(d)]
        return holidays_, workdays_

    def spans_provisional(self, start: date, end: date) -> bool:
        """Whether any year the period touches has no definitive arrangement yet."""
        return any(self.arrangement(y).provisional for y in range(start.year, end.year + 1))


def local_date(instant: datetime) -> date:
    """The Asia/Shanghai calendar day of an instant."""
    return instant.astimezone(TZ).date()


def end_of_day(day: date) -> datetime:
    """24:00 of ``day`` in Asia/Shanghai: the instant a deadline due that day lapses."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=TZ)


def month_of(day: date) -> str:
    """``YYYY-MM``: the month a deadline due on ``day`` counts in (a 03-31 deadline counts in March)."""
    return f"{day.year:04d}-{day.month:02d}"
