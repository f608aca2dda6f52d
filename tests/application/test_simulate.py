"""``hotline simulate``: deterministic for a seed, on every store, with the proportions the model promises."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from hotline.bootstrap import bootstrap
from hotline.demo import load_demo
from hotline.simulate import run, start_of
from hotline.simulation.engine import Plan, Summary
from hotline.simulation.stories import case_id
from hotline.simulation.world import World
from tests.conftest import make_settings

PLAN = Plan(cases=300, start=date(2026, 3, 2), months=2, seed=7)


def simulated(database_url: str, plan: Plan = PLAN) -> tuple[Summary, list[tuple[str, int, str]]]:
    settings = make_settings(database_url, clock_start=start_of(plan.start))
    summary = run(settings, plan)
    hotline = bootstrap(settings)
    try:
        log = [(str(n.originator_id), n.originator_version, n.topic) for n in hotline.store.read(0, 10**7)]
    finally:
        hotline.close()
    return summary, log


@pytest.mark.storage
def test_simulate_is_deterministic_for_a_seed_and_keeps_its_proportions(database_url: str, tmp_path: Path) -> None:
    summary, log = simulated(database_url)
    again, log_again = simulated(f"sqlite:///{tmp_path / 'again.sqlite3'}")

    figures = summary.as_dict()
    for key in ("counts", "urgings", "statuses", "findings", "rates", "events", "write_events"):
        assert figures[key] == again.as_dict()[key], key
    assert log == log_again
    assert figures["refused"] == {}
    assert str(case_id(PLAN.seed, 0)) in {originator for originator, _, _ in log}

    rates = figures["rates"]
    assert 0.94 <= rates["signed_on_time"] <= 0.995
    assert 0.92 <= rates["replied_on_time"] <= 0.98
    assert 0.005 <= rates["returned"] <= 0.04
    assert 0.01 <= rates["redone"] <= 0.06
    assert 0.92 <= rates["satisfaction"] <= 0.98
    counts = figures["counts"]
    assert counts["accepted"] == PLAN.cases
    assert counts["emergencies"] > 0 and counts["joint"] > 0
    assert set(figures["urgings"]) >= {"sms", "phone", "wechat", "written_letter"}
    assert figures["findings"].get("11(8)", 0) > 0


@pytest.mark.storage
def test_another_seed_plays_other_cases(database_url: str) -> None:
    plan = Plan(cases=40, start=date(2026, 3, 2), months=1, seed=8)
    summary, log = simulated(database_url, plan)
    assert str(case_id(8, 0)) in {originator for originator, _, _ in log}
    assert str(case_id(PLAN.seed, 0)) not in {originator for originator, _, _ in log}
    assert summary.stats.counts["accepted"] == 40


def test_the_world_has_80_member_units_and_18_counties() -> None:
    world = World()
    members = world.members
    assert len(members) == 80
    assert sum(1 for unit in members if unit.name.endswith(("区人民政府", "县人民政府", "市人民政府"))) == 18
    assert {u.kind for u in world.units.values()} == {"member", "internal", "non_member"}


@pytest.mark.storage
def test_the_demo_shows_every_status_method_and_rule_clause(database_url: str) -> None:
    hotline = bootstrap(make_settings(database_url))
    try:
        summary = load_demo(hotline, cases=120)
        assert "one confirmed, talked, with a collective and an individual sanction" in summary
        statuses = {r["status"] for r in hotline.store.sql.query("SELECT DISTINCT status FROM {t}", t="case_list")}
        assert statuses == {"accepted", "dispatched", "signed", "replied", "redo", "closed"}
        clauses = {r["clause"] for r in hotline.store.sql.query("SELECT DISTINCT clause FROM {t}", t="findings_list")}
        assert clauses >= {"11(1)", "11(2)", "11(3)", "11(4)", "11(5)", "11(8)"}
        methods = {
            e.urging.method
            for n in hotline.store.read(0, 10**7)
            if n.topic.endswith(":Urged") and (e := hotline.store.mapper.to_domain_event(n))
        }
        assert methods == {"sms", "phone", "wechat", "written_letter", "onsite_coordination", "leader_dispatch"}
    finally:
        hotline.close()
