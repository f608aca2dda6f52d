"""What a read model keeps between batches (``View.kept``): the integrity tree's right edge and the
scorecards' calendar are read from their tables once, then carried from one committed batch to the
next; a batch whose transaction did not commit never leaves its knowledge behind."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from hotline.bootstrap import Hotline
from replay.tree import TreeView
from tests.conftest import START
from tests.world import accept, seed_units

pytestmark = pytest.mark.storage


def calls(monkeypatch: pytest.MonkeyPatch, cls: type, name: str) -> list[int]:
    """Count the calls of ``cls.name`` from now on (the real method still runs)."""
    seen: list[int] = []
    original = getattr(cls, name)

    def counted(self: Any, *args: Any, **kwargs: Any) -> Any:
        seen.append(1)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(cls, name, counted)
    return seen


def calendar_reads(hotline: Hotline, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every statement the scorecards run that reads their calendar table."""
    seen: list[str] = []
    view = hotline.scorecards
    original = type(view).cursor.fget

    def cursor(self: Any) -> Any:
        found = original(self)
        fetch = found.fetch

        def watched(text: str, *args: Any, **tables: str) -> Any:
            if "rpt_calendar" in tables.values():
                seen.append(text)
            return fetch(text, *args, **tables)

        found.fetch = watched
        return found

    monkeypatch.setattr(type(view), "cursor", property(cursor))
    return seen


def fail_recording_once(hotline: Hotline, monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """The next recording of the read models' positions fails (its transaction rolls back); the list says it did."""
    recorder = hotline.store.recorder
    record, failed = recorder.record_positions, []

    def fail_once(*args: Any, **kwargs: Any) -> Any:
        if not failed:
            failed.append(True)
            raise RuntimeError("injected: the positions could not be recorded")
        return record(*args, **kwargs)

    monkeypatch.setattr(recorder, "record_positions", fail_once)
    return failed


def test_after_a_committed_batch_the_tree_edge_and_the_calendar_are_not_read_again(hotline: Hotline, monkeypatch: pytest.MonkeyPatch) -> None:
    seed_units(hotline)
    accept(hotline)
    hotline.followers.catch_up()  # the first batch reads them
    sizes = calls(monkeypatch, TreeView, "_size")
    calendars = calendar_reads(hotline, monkeypatch)
    for minute in range(3):  # three more batches, each of its own
        accept(hotline, START + timedelta(minutes=minute + 1))
        hotline.followers.catch_up()
    assert sizes == [] and calendars == []
    report = hotline.audit.verify()
    assert report.ok, report.problems
    assert report.tree_size == report.events_checked == hotline.store.head()


def test_a_batch_whose_transaction_did_not_commit_leaves_no_knowledge_behind(hotline: Hotline, monkeypatch: pytest.MonkeyPatch) -> None:
    """The tree appended the batch's leaves, then recording the positions failed: the transaction rolled back.
    The edge the failed batch reached is not kept; the retry appends the same leaves at the same indexes."""
    seed_units(hotline)
    hotline.followers.catch_up()
    accept(hotline)
    failed = fail_recording_once(hotline, monkeypatch)
    hotline.followers.catch_up()  # the failed batch is handled again (in smaller parts, to find a poison event)
    accept(hotline, START + timedelta(minutes=1))
    hotline.followers.catch_up()
    report = hotline.audit.verify()
    assert failed and report.ok, report.problems
    assert report.tree_size == report.events_checked == hotline.store.head()


def test_an_edge_another_process_moved_on_is_dropped_at_the_first_failure(hotline: Hotline) -> None:
    """Two processes should not keep one tree at once (README), but if they do, the one whose kept edge is
    stale fails on its first leaf (the leaf index is taken), drops what it kept, and reads the edge again."""
    from hotline.bootstrap import bootstrap

    seed_units(hotline)
    hotline.followers.catch_up()  # this process keeps the edge now
    other = bootstrap(hotline.settings)
    other.start()
    try:
        accept(other)
        other.followers.catch_up()  # the other process appends to the tree
    finally:
        other.close()
    accept(hotline, START + timedelta(minutes=1))
    hotline.followers.catch_up()
    report = hotline.audit.verify()
    assert report.ok, report.problems
    assert report.tree_size == report.events_checked == hotline.store.head()


def test_a_view_recorded_elsewhere_since_its_last_batch_forgets_what_it_kept(hotline: Hotline) -> None:
    """The calendar kept by the scorecards is not trusted once their recorded position is not the one this
    process committed (another process handled events, perhaps a calendar amendment, in between)."""
    seed_units(hotline)
    accept(hotline)
    hotline.followers.catch_up()
    view = hotline.scorecards
    position = view.tracked()
    assert view.kept() is not None
    accept(hotline, START + timedelta(minutes=1))
    with hotline.store.sql.transaction() as cursor:  # as another process would record it
        hotline.store.recorder.record_positions(cursor.raw, {view.name: position}, hotline.store.head())
    assert view.tracked() > position
    assert view.kept() is None


def scorecard_rows(hotline: Hotline) -> tuple[list[Any], list[Any]]:
    query = hotline.store.sql.query
    return (
        sorted((r["id"], r["state"], r["facts"]) for r in query("SELECT * FROM {t}", t="rpt_entities")),
        sorted(tuple(r.values()) for r in query("SELECT month, unit, figure, n FROM {t}", t="rpt_month")),
    )


def test_a_batch_handled_again_in_parts_does_not_keep_the_calendar_of_its_failed_whole(hotline: Hotline, monkeypatch: pytest.MonkeyPatch) -> None:
    """One batch: a calendar opened (no figure), a dispatch, then 29 Sep 2026 made a holiday. Its transaction fails;
    the batch is handled again event by event, and the first part holds nothing for the scorecards. The calendar
    of the failed whole (with the holiday) must not be kept for the dispatch: the figures equal a rebuild's."""
    from datetime import date, datetime

    from cases.calendar import TZ
    from tests.builders import ADMIN, CENTER, handler
    from tests.world import ctx

    seed_units(hotline)
    case_id = accept(hotline)
    hotline.followers.catch_up()
    hotline.admin.amend_calendar(2027, holidays=[date(2027, 3, 1)], workdays=[], kind=None, reason="国务院通知", ctx=ctx(ADMIN, START + timedelta(minutes=1)))
    hotline.cases.dispatch(case_id, lead_unit="U1", co_units=[], working_days=None, response_hours=None, ctx=ctx(CENTER, START + timedelta(minutes=2)))
    hotline.admin.amend_calendar(2026, holidays=[date(2026, 9, 29)], workdays=[], kind=None, reason="国务院通知", ctx=ctx(ADMIN, START + timedelta(minutes=3)))
    failed = fail_recording_once(hotline, monkeypatch)
    hotline.followers.catch_up()
    hotline.cases.sign(case_id, ctx=ctx(handler("U1"), datetime(2026, 9, 30, 10, tzinfo=TZ)))
    hotline.followers.catch_up()
    live = scorecard_rows(hotline)
    hotline.scorecards.reset()
    hotline.followers.catch_up()
    assert failed and live == scorecard_rows(hotline)
