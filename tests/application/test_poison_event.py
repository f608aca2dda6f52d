"""A poison event already in the log (issue 9, defect 2): the followers stop on it loudly, retry with
backoff, never skip it by themselves, and pass over it once an operator sets it aside (README)."""

from __future__ import annotations

import logging
import time
from typing import Any
from collections.abc import Callable
from pathlib import Path
from uuid import uuid4

import pytest
from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import get_topic
from fastapi.testclient import TestClient

from cases.events import Accepted
from hotline.bootstrap import Hotline, bootstrap
from hotline.cli import main
from hotline.web import create_app
from projections.pages import ListFilter
from tests.conftest import START, make_settings
from tests.world import accept, seed_units

pytestmark = pytest.mark.storage


def eventually(condition: Callable[[], bool], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)


def listed(hotline: Hotline) -> set[str]:
    return {item["id"] for item in hotline.index.list(ListFilter(), page_size=500, page_token=None)[0]}


def test_a_poison_event_is_reported_retried_and_passed_over_only_by_a_recorded_decision(
    database_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    caplog.set_level(logging.INFO, logger="hotline.followers")
    settings = make_settings(database_url, followers="embedded", var_dir=tmp_path / "var")
    hotline = bootstrap(settings)
    hotline.start()
    try:
        seed_units(hotline)
        before = accept(hotline)
        hotline.store.recorder.insert_events(
            [StoredEvent(originator_id=uuid4(), originator_version=1, topic=get_topic(Accepted), state=b"\x00 not an event")]
        )
        poison = hotline.store.head()
        after = accept(hotline)

        # Loud: /health names the position, the metric counts, the log says where, reads wait in vain.
        eventually(lambda: hotline.followers.runner("case_index").failures >= 2)  # alone, once it left the read models' group
        runner = hotline.followers.runner("case_index")
        with TestClient(create_app(hotline=hotline)) as client:
            health = client.get("/health").json()
            assert health["status"] == "degraded"
            stuck = {f["name"]: f for f in health["followers"]}
            assert stuck["case_index"]["failing_at"] == poison and stuck["rules"]["failing_at"] == poison
            assert stuck["case_index"]["position"] == poison - 1
            metrics = client.get("/metrics").text
            assert 'hotline_follower_failing{follower="case_index"} 1' in metrics
            assert 'hotline_follower_failures_total{follower="case_index"} 0' not in metrics
        assert f"follower case_index failed at position {poison}" in caplog.text
        assert f"follower rules failed at position {poison}" in caplog.text
        assert not hotline.followers.wait(hotline.store.head(), timeout=0.3)
        assert str(before) in listed(hotline) and str(after) not in listed(hotline)  # never skipped by itself
        failures = runner.failures
        time.sleep(1.0)
        assert runner.failures <= failures + 1, "retries back off"

        # The operator's procedure: a recorded decision, through the CLI, from another process's view.
        for name, value in {
            "HOTLINE_DATABASE_URL": settings.database_url,
            "HOTLINE_JWT_SECRET": settings.jwt_secret,
            "HOTLINE_CIPHER_KEY": settings.cipher_key,
            "HOTLINE_VAR_DIR": str(tmp_path / "var"),
        }.items():
            monkeypatch.setenv(name, value)
        assert main(["followers", "set-aside", "--position", str(poison), "--reason", "undecodable bytes; see incident 42", "--by", "ops-1"]) == 0
        assert hotline.followers.wait(hotline.store.head(), timeout=40)
        assert str(after) in listed(hotline)
        with TestClient(create_app(hotline=hotline)) as client:
            health = client.get("/health").json()
            assert health["status"] == "ok"
            passed = {f["name"]: f["passed_over"] for f in health["followers"]}
            assert passed["case_index"] == [{"position": poison, "reason": "undecodable bytes; see incident 42", "by": "ops-1"}]
        assert f"follower case_index passes over position {poison}, set aside by ops-1" in caplog.text
    finally:
        hotline.close()

    # A rebuild from scratch reads the same decision and passes over the same position, and only it.
    rebuilt = bootstrap(make_settings(database_url, var_dir=tmp_path / "var"))
    try:
        rebuilt.index.reset()
        rebuilt.followers.setup()
        rebuilt.followers.catch_up()
        assert {str(before), str(after)} <= listed(rebuilt)
    finally:
        rebuilt.close()


def test_a_set_aside_must_name_a_position_in_the_log(hotline: Hotline) -> None:
    from foundation.errors import InvalidInput
    from tests.builders import ADMIN
    from tests.world import ctx

    with pytest.raises(InvalidInput):
        hotline.operations.set_aside(position=hotline.store.head() + 5, followers=(), reason="x", ctx=ctx(ADMIN))
    with pytest.raises(InvalidInput):
        hotline.operations.set_aside(position=1, followers=(), reason=" ", ctx=ctx(ADMIN))


def test_a_member_failing_after_it_wrote_leaves_nothing_behind_and_the_others_count_once(
    hotline: Hotline, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The group's transaction has no savepoint per member: a member that fails after writing rolls the
    batch back, leaves, and the others handle the batch again; nothing is written twice or half."""
    from projections.scorecards import ScorecardView
    from tests.builders import CENTER
    from tests.world import ctx

    seed_units(hotline)
    hotline.followers.catch_up()
    case_id = accept(hotline)
    hotline.cases.dispatch(case_id, lead_unit="U1", co_units=[], working_days=None, response_hours=None, ctx=ctx(CENTER))
    flush, failed = ScorecardView.flush, []

    def flush_then_fail(view: ScorecardView) -> None:
        flush(view)  # the batch's rows are written in the shared transaction ...
        if not failed:
            failed.append(True)
            raise RuntimeError("injected: the scorecards fail after writing")  # ... and then it fails

    monkeypatch.setattr(ScorecardView, "flush", flush_then_fail)
    caplog.set_level(logging.ERROR, logger="hotline.followers")
    hotline.followers.catch_up()
    assert failed and "read model scorecards failed in the group" in caplog.text
    assert hotline.followers.runner("scorecards").name == "scorecards"  # it runs alone now
    assert hotline.followers.runner("case_index").name == "read-models"  # the others go on together
    assert str(case_id) in listed(hotline)
    month = START.strftime("%Y-%m")
    totals = hotline.scorecards.totals((month, month), units=["U1"])
    assert totals[("U1", "")]["dispatched"] == 1  # written once: the failed attempt's rows were rolled back
    head = hotline.store.head()
    assert all(hotline.store.recorder.max_tracking_id(name) == head for name in ("case_index", "scorecards", "findings_list"))


def test_an_api_process_says_degraded_when_a_follower_fails_in_the_worker(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The followers run in a worker (``hotline projections run``); an API process with ``external`` followers
    reads the worker's reports: ``/health`` turns degraded and names the position, and is ok again once
    the operator's decision let the worker pass over it."""
    from foundation.actors import Actor
    from foundation.application import Context
    from foundation.clock import SystemClock

    worker = bootstrap(make_settings(database_url, followers="embedded", var_dir=tmp_path / "worker"))
    worker.followers.announcing()
    worker.start()
    api = bootstrap(make_settings(database_url, followers="external", var_dir=tmp_path / "api"))
    api.start()
    try:
        seed_units(api)
        accept(api)
        assert api.consistent(api.store.head())
        with TestClient(create_app(hotline=api)) as client:
            assert client.get("/health").json()["status"] == "ok"
            api.store.recorder.insert_events(
                [StoredEvent(originator_id=uuid4(), originator_version=1, topic=get_topic(Accepted), state=b"\x00 not an event")]
            )
            poison = api.store.head()

            def failing() -> dict[str, object]:
                return {f["name"]: f["failing_at"] for f in client.get("/health").json()["followers"] if f["error"]}

            eventually(lambda: failing().get("case_index") == poison and failing().get("rules") == poison)
            health = client.get("/health").json()
            assert health["status"] == "degraded"
            assert 'hotline_follower_failing{follower="case_index"} 1' in client.get("/metrics").text
            for name, value in {"HOTLINE_DATABASE_URL": database_url, "HOTLINE_JWT_SECRET": api.settings.jwt_secret,
                                "HOTLINE_CIPHER_KEY": api.settings.cipher_key, "HOTLINE_VAR_DIR": str(tmp_path / "cli")}.items():
                monkeypatch.setenv(name, value)
            capsys.readouterr()
            assert main(["projections", "status"]) == 0
            assert f"case_index failing at position {poison}" in capsys.readouterr().out

            admin = Actor(staff="ops-1", unit=None, roles=("admin",))
            api.operations.set_aside(position=poison, followers=(), reason="undecodable bytes", ctx=Context(actor=admin, now=SystemClock().now()))
            eventually(lambda: client.get("/health").json()["status"] == "ok", timeout=60)
    finally:
        api.close()
        worker.close()


def test_a_new_worker_clears_what_the_worker_before_it_reported(database_url: str, tmp_path: Path) -> None:
    """A worker stopped while a follower failed left its report; the next worker starts healthy and says so."""
    from foundation.health import FollowerHealth

    worker = bootstrap(make_settings(database_url, followers="embedded", var_dir=tmp_path / "worker"))
    health = FollowerHealth(worker.store.sql)
    health.setup()
    health.report("case_index", error="ValueError: left by the worker before", failing_at=7, failures=3)
    api = bootstrap(make_settings(database_url, followers="external", var_dir=tmp_path / "api"))
    try:
        assert {f["name"]: f["failing_at"] for f in api.followers.status()}["case_index"] == 7
        worker.followers.announcing()
        worker.start()
        assert all(f["error"] is None and f["failing_at"] is None for f in api.followers.status())
    finally:
        api.close()
        worker.close()


def test_a_follower_outlives_its_store_being_unreachable_for_a_while(database_url: str, tmp_path: Path) -> None:
    """The store goes away (a PostgreSQL restart, a full disk): the follower's retry must not itself die on the
    store it cannot reach. It says so in /health meanwhile and goes on when the store is back."""
    from eventsourcing.persistence import OperationalError

    hotline = bootstrap(make_settings(database_url, followers="embedded", var_dir=tmp_path / "var"))
    hotline.start()
    try:
        seed_units(hotline)
        assert hotline.consistent(hotline.store.head())
        runner = hotline.followers.runner("case_index")
        group = runner.follower
        tracked, down = group.tracked, [3]

        def unreachable() -> int:
            if down[0]:
                down[0] -= 1
                raise OperationalError("the store went away")
            return tracked()

        group.tracked = unreachable
        runner.interrupt()  # the follower looks at the store again, and finds it gone
        eventually(lambda: runner.error is not None and "the store went away" in runner.error)
        case_id = accept(hotline)
        assert hotline.followers.wait(hotline.store.head(), timeout=20)
        assert str(case_id) in listed(hotline) and runner.error is None and not down[0]
    finally:
        hotline.close()


def test_a_set_aside_for_every_follower_never_takes_an_event_out_of_the_integrity_tree(hotline: Hotline) -> None:
    """The decision is recorded before the read models reach the position: they pass over it, but the integrity
    tree, in the same group, covers every stored event (the poison's bytes too), so the audit still verifies."""
    from foundation.actors import Actor
    from foundation.application import Context
    from foundation.clock import SystemClock

    seed_units(hotline)
    hotline.followers.catch_up()
    hotline.store.recorder.insert_events(
        [StoredEvent(originator_id=uuid4(), originator_version=1, topic=get_topic(Accepted), state=b"\x00 not an event")]
    )
    poison = hotline.store.head()
    admin = Actor(staff="ops-1", unit=None, roles=("admin",))
    hotline.operations.set_aside(position=poison, followers=(), reason="undecodable bytes", ctx=Context(actor=admin, now=SystemClock().now()))
    for runner in hotline.followers.runners:
        runner.refresh()
    after = accept(hotline)
    hotline.followers.catch_up()
    assert str(after) in listed(hotline)
    report = hotline.audit.verify()
    assert report.ok and report.tree_size == report.events_checked == hotline.store.head(), report.problems


def poison_in(hotline: Hotline) -> int:
    hotline.store.recorder.insert_events(
        [StoredEvent(originator_id=uuid4(), originator_version=1, topic=get_topic(Accepted), state=b"\x00 not an event")]
    )
    return hotline.store.head()


def test_a_worker_started_on_a_poison_event_stays_up_and_reports_it(database_url: str, tmp_path: Path) -> None:
    """The poison is in the log before the worker starts: catching up fails on it, the worker keeps running, and
    the API process sees the failure (a worker that exited instead would leave nothing reported)."""
    worker = bootstrap(make_settings(database_url, followers="embedded", var_dir=tmp_path / "worker"))
    api = bootstrap(make_settings(database_url, followers="external", var_dir=tmp_path / "api"))
    seed_units(api)
    poison = poison_in(api)
    try:
        worker.followers.announcing()
        worker.start()
        eventually(lambda: {f["name"]: f["failing_at"] for f in api.followers.status()}.get("rules") == poison)
        assert worker.followers.running
    finally:
        api.close()
        worker.close()


def test_the_end_of_a_failure_is_reported_again_until_it_is_recorded(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from foundation.actors import Actor
    from foundation.application import Context
    from foundation.clock import SystemClock
    from foundation.health import FollowerHealth

    api = bootstrap(make_settings(database_url, followers="external", var_dir=tmp_path / "api"))
    worker = bootstrap(make_settings(database_url, followers="embedded", var_dir=tmp_path / "worker"))
    report, lost = FollowerHealth.report, []

    def first_end_lost(self: FollowerHealth, name: str, **kwargs: Any) -> None:
        if kwargs["error"] is None and name == "rules" and kwargs["failures"] and not lost:
            lost.append(name)
            raise OSError("the store did not answer")
        report(self, name, **kwargs)

    monkeypatch.setattr(FollowerHealth, "report", first_end_lost)
    try:
        worker.followers.announcing()
        worker.start()
        seed_units(api)
        poison = poison_in(api)
        eventually(lambda: {f["name"]: f["failing_at"] for f in api.followers.status()}.get("rules") == poison)
        admin = Actor(staff="ops-1", unit=None, roles=("admin",))
        api.operations.set_aside(position=poison, followers=(), reason="undecodable bytes", ctx=Context(actor=admin, now=SystemClock().now()))
        eventually(lambda: bool(lost), timeout=60)
        accept(api)  # the next batch reports the end again
        eventually(lambda: not any(f["error"] for f in api.followers.status()))
    finally:
        api.close()
        worker.close()
