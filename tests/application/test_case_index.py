"""The case index projection: exactly once, rebuildable, following the log live, filtered and paged."""

from __future__ import annotations

from typing import Any

import pytest

from hotline.bootstrap import bootstrap
from projections.case_index import ListFilter
from tests.builders import CENTER, handler
from tests.conftest import later
from tests.world import accept, ctx, seed_units, move_clock

pytestmark = pytest.mark.storage


def rows(hotline: Any) -> list[dict[str, Any]]:
    return hotline.store.sql.query("SELECT * FROM {t} ORDER BY case_id", t="case_list")


def test_the_index_lists_what_the_cases_say(hotline: Any) -> None:
    seed_units(hotline)
    a = accept(hotline, flags=["hot"])
    b = accept(hotline, later(hours=1))
    hotline.cases.dispatch(b, lead_unit="U2", co_units=["U3"], working_days=None, response_hours=None, ctx=ctx(CENTER, later(hours=2)))
    hotline.followers.catch_up()
    items, token = hotline.index.list(ListFilter(), page_size=10, page_token=None)
    assert token is None
    assert [i["id"] for i in items] == [str(b), str(a)]  # newest first
    assert items[0]["lead_unit"] == "U2" and items[0]["co_units"] == ["U3"]
    assert items[1]["supervised"] and items[1]["grounds"] == ["6(2)"]
    only_u3, _ = hotline.index.list(ListFilter(unit="U3"), page_size=10, page_token=None)
    assert [i["id"] for i in only_u3] == [str(b)]
    accepted, _ = hotline.index.list(ListFilter(status="accepted", month="2026-09"), page_size=10, page_token=None)
    assert [i["id"] for i in accepted] == [str(a)]
    assert hotline.index.list(ListFilter(month="2026-10"), page_size=10, page_token=None)[0] == []


def test_pages_follow_each_other_without_gaps(hotline: Any) -> None:
    seed_units(hotline)
    made = [str(accept(hotline, later(hours=i))) for i in range(7)]
    hotline.followers.catch_up()
    seen, token = [], None
    while True:
        items, token = hotline.index.list(ListFilter(), page_size=3, page_token=token)
        seen += [i["id"] for i in items]
        if token is None:
            break
    assert seen == list(reversed(made))


def test_a_failed_batch_writes_neither_rows_nor_tracking(hotline: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    seed_units(hotline)
    accept(hotline)
    index = hotline.index
    before = index.tracked()
    original = index.flush

    def write_then_crash() -> None:
        original()
        raise RuntimeError("crash after writing the rows")

    monkeypatch.setattr(index, "flush", write_then_crash)
    with pytest.raises(RuntimeError):
        hotline.followers.catch_up()
    assert index.tracked() == before
    assert rows(hotline) == []
    monkeypatch.undo()
    hotline.followers.catch_up()
    assert len(rows(hotline)) == 1 and index.tracked() == hotline.store.head()


def test_rebuilding_from_the_log_gives_the_same_rows(hotline: Any) -> None:
    seed_units(hotline)
    for hours in range(3):
        case_id = accept(hotline, later(hours=hours))
        hotline.cases.dispatch(case_id, lead_unit="U1", co_units=[], working_days=None, response_hours=None, ctx=ctx(CENTER, later(hours=hours)))
    move_clock(hotline, later(20), CENTER)
    hotline.followers.catch_up()
    live = rows(hotline)
    hotline.index.reset()
    assert rows(hotline) == []
    hotline.followers.catch_up()
    assert rows(hotline) == live
    assert all(row["overdue"] == 1 for row in live)


def test_followers_follow_the_log_live_and_wait_answers_read_your_writes(settings: Any) -> None:
    live = bootstrap(settings.model_copy(update={"followers": "embedded"}))
    live.start()
    try:
        seed_units(live)
        recorded = live.cases.accept(
            channel="phone", category="x", summary="s", content="c", urgency="normal",
            requester=__import__("tests.builders", fromlist=["REQUESTER"]).REQUESTER,
            confidential=False, unclear=False, flags=[], ctx=ctx(CENTER),
        )
        assert live.consistent(recorded.position)
        items, _ = live.index.list(ListFilter(), page_size=5, page_token=None)
        assert items[0]["id"] == str(recorded.aggregate.id)
        assert all(f["lag"] == 0 for f in live.followers.status())
        assert not live.followers.wait(live.store.head() + 10, timeout=0.3)
    finally:
        live.close()


def test_a_second_process_index_catches_up_from_the_log(settings: Any) -> None:
    writer = bootstrap(settings)
    try:
        seed_units(writer)
        case_id = accept(writer)
        writer.cases.dispatch(case_id, lead_unit="U1", co_units=[], working_days=None, response_hours=None, ctx=ctx(CENTER))
        writer.cases.sign(case_id, ctx=ctx(handler("U1"), later(hours=1)))
    finally:
        writer.close()
    reader = bootstrap(settings)
    reader.start()
    try:
        items, _ = reader.index.list(ListFilter(status="signed"), page_size=5, page_token=None)
        assert [i["id"] for i in items] == [str(case_id)]
    finally:
        reader.close()


def test_an_index_made_in_an_older_shape_rebuilds_itself_at_start(settings: Any) -> None:
    """Tables made before ``case_units`` carried the page order (shape 1, no shape kept) are remade from the log."""
    first = bootstrap(settings)
    try:
        seed_units(first)
        case_id = accept(first)
        first.cases.dispatch(case_id, lead_unit="U1", co_units=[], working_days=None, response_hours=None, ctx=ctx(CENTER))
        first.followers.catch_up()
        with first.store.sql.transaction() as cursor:  # the database as an earlier release left it
            cursor.execute("DROP TABLE {t}", t="case_units")
            cursor.execute("CREATE TABLE {t} (case_id TEXT NOT NULL, unit_id TEXT NOT NULL, PRIMARY KEY (unit_id, case_id))", t="case_units")
            cursor.execute("INSERT INTO {t} VALUES (?, ?)", (str(case_id), "U1"), t="case_units")
            cursor.execute("DELETE FROM {t}", t="view_shapes")
    finally:
        first.close()
    again = bootstrap(settings)
    try:
        again.followers.catch_up()
        listed, _ = again.index.list(ListFilter(unit="U1"), page_size=10, page_token=None)
        assert [item["id"] for item in listed] == [str(case_id)]
        again.cases.dispatch(accept(again), lead_unit="U1", co_units=[], working_days=None, response_hours=None, ctx=ctx(CENTER))
        again.followers.catch_up()
        assert len(again.index.list(ListFilter(unit="U1"), page_size=10, page_token=None)[0]) == 2
    finally:
        again.close()
