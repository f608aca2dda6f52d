"""Every filter of ``GET /v1/cases`` reads a page as an index range in the page's order (issue 12).

A list that scans the table, or sorts every matching case to serve 50, grows with the store; one
that walks an index in the page order does not. The plans are read from the databases themselves
(``EXPLAIN`` on PostgreSQL with sequential scans and sorts made prohibitively expensive, so an index
that can serve is taken and one that cannot shows; ``EXPLAIN QUERY PLAN`` on SQLite).
"""

from __future__ import annotations

from typing import Any

import pytest

from hotline.bootstrap import Hotline
from projections.pages import ListFilter
from tests.builders import CENTER
from tests.world import accept, ctx, seed_units

pytestmark = pytest.mark.storage

FILTERS = {  # a filter, and the column an index must be searched on (not merely filtered by, row after row)
    "none": (ListFilter(), None),
    "status": (ListFilter(status="dispatched"), "status"),
    "month": (ListFilter(month="2026-09"), "accepted_month"),
    "overdue": (ListFilter(overdue=True), "overdue"),
    "supervised": (ListFilter(supervised=True), "supervised"),
    "unit": (ListFilter(unit="U1"), "unit_id"),
}


def plan(hotline: Hotline, where: ListFilter, page_token: str | None = None) -> str:
    view = hotline.index
    sql, params = view.list_query(where, page_size=50, page_token=page_token)
    with view.sql.transaction(commit=False) as cursor:
        if view.sql.kind == "sqlite":
            rows = cursor.fetch("EXPLAIN QUERY PLAN " + sql, params, c="case_list", u="case_units")
            return "\n".join(row["detail"] for row in rows)
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        rows = cursor.fetch("EXPLAIN " + sql, params, c="case_list", u="case_units")
        return "\n".join(next(iter(row.values())) for row in rows)


@pytest.mark.parametrize("name", list(FILTERS))
def test_each_list_filter_reads_an_index_in_the_page_order(hotline: Any, name: str) -> None:
    seed_units(hotline)
    for _ in range(3):
        hotline.cases.dispatch(accept(hotline), lead_unit="U1", co_units=[], working_days=None, response_hours=None, ctx=ctx(CENTER))
    assert hotline.consistent(hotline.store.head())
    where, column = FILTERS[name]
    _, token = hotline.index.list(ListFilter(), page_size=2, page_token=None)
    assert token is not None  # a page token (the same keyset for every filter): the next page's plan is read too
    for page_token in (None, token):
        shown = plan(hotline, where, page_token)
        if hotline.store.sql.kind == "sqlite":
            assert "TEMP B-TREE" not in shown, shown  # no sort of the matching rows
            assert not any(line.startswith("SCAN") and "INDEX" not in line for line in shown.splitlines()), shown
            assert column is None or f"({column}=?" in shown, shown  # a range of the filter's index
        else:
            assert "Sort" not in shown and "Seq Scan" not in shown, shown
            assert column is None or f"Index Cond: (({column} = " in shown or f"Index Cond: ({column} = " in shown, shown


def test_a_rebuilt_index_gets_its_indexes_back_once_caught_up(hotline: Any) -> None:
    """A rebuild builds the rows without the secondary indexes (cheaper) and makes them at the end."""
    seed_units(hotline)
    hotline.cases.dispatch(accept(hotline), lead_unit="U1", co_units=[], working_days=None, response_hours=None, ctx=ctx(CENTER))
    assert hotline.consistent(hotline.store.head())
    hotline.index.reset()
    assert hotline.index.unindexed
    hotline.followers.catch_up()
    assert not hotline.index.unindexed
    for name, (where, column) in FILTERS.items():
        shown = plan(hotline, where)
        assert column is None or column in shown, (name, shown)
    assert len(hotline.index.list(ListFilter(unit="U1"), page_size=10, page_token=None)[0]) == 1
