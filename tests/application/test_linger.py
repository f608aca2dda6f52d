"""Followers let a small live batch grow (``HOTLINE_FOLLOWER_LINGER``), and a reader who waits cuts it short.

A batch's cost is mostly fixed, so the read models handle the events of several commands at once
when nobody waits for them; a query with ``min_position`` must not pay for that lingering.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from hotline.bootstrap import bootstrap
from projections.pages import ListFilter
from tests.conftest import make_settings
from tests.world import accept, seed_units

pytestmark = pytest.mark.storage

LINGER = 1.0
"""Long enough that a wait which had to sit it out could not pass for one that cut it short."""


def test_a_waiting_reader_does_not_sit_out_the_lingering_and_an_unwatched_stream_shares_batches(database_url: str, tmp_path: Path) -> None:
    hotline = bootstrap(make_settings(database_url, followers="embedded", follower_linger=LINGER, var_dir=tmp_path / "var"))
    hotline.start()
    try:
        seed_units(hotline)
        assert hotline.followers.wait(hotline.store.head(), timeout=10)

        began = time.monotonic()
        case = accept(hotline)
        assert hotline.followers.wait(hotline.store.head(), timeout=LINGER / 2), "the reader sat out the lingering"
        assert time.monotonic() - began < LINGER / 2
        assert str(case) in {row["id"] for row in hotline.index.list(ListFilter(), page_size=50, page_token=None)[0]}

        group = hotline.followers.runner("case_index")
        batches = group.batches
        for _ in range(4):  # nobody waits: the four commands' events are handled together
            accept(hotline)
        assert hotline.followers.wait(hotline.store.head(), timeout=10)
        assert group.batches - batches < 4
    finally:
        hotline.close()



def test_a_process_whose_followers_run_elsewhere_hears_their_positions_on_postgresql_and_polls_on_sqlite(
    database_url: str, tmp_path: Path
) -> None:
    """A worker (followers embedded) and an API process (followers external) on one store: the API's
    read-your-writes wait is woken by the worker's announcements on PostgreSQL (before, it only polled the
    store every 50 ms); SQLite has no notifications between processes, and there it still polls."""
    worker = bootstrap(make_settings(database_url, followers="embedded", var_dir=tmp_path / "worker"))
    worker.followers.announcing()  # as ``hotline projections run`` does
    worker.start()
    api = bootstrap(make_settings(database_url, followers="external", var_dir=tmp_path / "api"))
    api.start()
    try:
        seed_units(api)
        for _ in range(3):
            case_id = accept(api)
            assert api.consistent(api.store.head())
            assert str(case_id) in {item["id"] for item in api.index.list(ListFilter(), page_size=50, page_token=None)[0]}
        if api.store.sql.kind == "postgres":
            assert api.followers.heard >= 1
        else:
            assert api.followers.heard == 0
    finally:
        api.close()
        worker.close()
