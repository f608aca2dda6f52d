"""The scorecards read model: every figure of a known month against the hand-computed truth, on both stores, live and rebuilt."""

from __future__ import annotations

from typing import Any

import pytest

from tests.builders import CENTER
from tests.reports_world import MONTH, OCTOBER, RATES_OCTOBER, SEPTEMBER_U1, build_october, check_card
from tests.world import seed_units

pytestmark = pytest.mark.storage


def figures_of(hotline: Any, unit: str, period: str) -> dict[str, Any]:
    return hotline.reports.scorecard(unit, period, CENTER)


@pytest.fixture
def october(hotline: Any) -> Any:
    seed_units(hotline)
    build_october(hotline)
    return hotline


def test_every_figure_of_a_known_month_matches_the_hand_computed_truth(october: Any) -> None:
    for unit, truth in OCTOBER.items():
        check_card(figures_of(october, unit, MONTH), truth)
    check_card(figures_of(october, "U1", "2026-09"), SEPTEMBER_U1)
    for unit, rates in RATES_OCTOBER.items():
        card = figures_of(october, unit, MONTH)
        assert {k: card["rates"][k] for k in rates} == rates


def test_a_year_adds_its_months(october: Any) -> None:
    year = figures_of(october, "U1", "2026")
    september, october_card = figures_of(october, "U1", "2026-09"), figures_of(october, "U1", MONTH)
    for key in ("dispatched", "signed", "due", "overdue", "overdue_unjustified", "replied", "supervised"):
        assert year[key] == september[key] + october_card[key]


def test_rebuilding_from_the_log_gives_exactly_the_live_figures(october: Any) -> None:
    reports = october.reports
    live = [reports.monthly(MONTH), reports.monthly("2026-09"), reports.assessment("2026"), reports.analysis(MONTH, "staff")]
    rows = _rows(october)
    view = october.scorecards
    view.reset()
    view.setup()
    assert view.totals((MONTH, MONTH)) == {} and view.unit_table() == {}
    october.followers.catch_up()
    assert [reports.monthly(MONTH), reports.monthly("2026-09"), reports.assessment("2026"), reports.analysis(MONTH, "staff")] == live
    assert _rows(october) == rows


def test_each_total_is_the_count_of_its_facts(october: Any) -> None:
    totals = october.store.sql.query("SELECT month, unit, figure, n FROM {t} WHERE n <> 0 ORDER BY 1, 2, 3", t="rpt_month")
    counted = october.store.sql.query(
        "SELECT month, unit, figure, COUNT(*) AS n FROM {t} GROUP BY month, unit, figure ORDER BY 1, 2, 3", t="rpt_facts"
    )
    assert [dict(r) | {"n": int(r["n"])} for r in totals] == [dict(r) | {"n": int(r["n"])} for r in counted]


def test_explain_lists_the_cases_behind_a_figure(october: Any) -> None:
    explained = october.reports.explain("U1", MONTH, "overdue", CENTER, page_size=50, page_token=None)
    assert explained["count"] == 2
    assert sorted(i["summary"] for i in explained["items"]) == ["D 正当理由逾期", "E 无正当理由逾期"]
    assert {i["counted_by"]["event"] for i in explained["items"]} == {"HandlingDeadlineLapsed"}
    unjustified = october.reports.explain("U1", MONTH, "overdue_unjustified", CENTER, page_size=50, page_token=None)
    assert [i["summary"] for i in unjustified["items"]] == ["E 无正当理由逾期"]
    september = october.reports.explain("U1", "2026-09", "overdue", CENTER, page_size=50, page_token=None)
    assert [(i["summary"], i["detail"]["due_date"]) for i in september["items"]] == [("C 月末到期逾期", "2026-09-30")]
    first = october.reports.explain("U1", MONTH, "overdue", CENTER, page_size=1, page_token=None)
    second = october.reports.explain("U1", MONTH, "overdue", CENTER, page_size=1, page_token=first["next_page_token"])
    assert [i["summary"] for i in first["items"] + second["items"]] == [i["summary"] for i in explained["items"]]
    assert second["next_page_token"] is None  # keyset pages: the last fact served, then the rest


def test_no_requester_personal_data_in_any_read_model(october: Any) -> None:
    from tests.builders import REQUESTER

    secrets = [REQUESTER.name, REQUESTER.phone, REQUESTER.id_number, REQUESTER.address]
    for follower in october.followers.followers():
        view = getattr(follower, "view", None)
        for table in getattr(view, "tables", ()):
            for row in october.store.sql.query("SELECT * FROM {t}", t=table):
                text = repr(row)
                assert not [s for s in secrets if s and s in text], f"requester data in {table}"


def _rows(hotline: Any) -> list[Any]:
    return [
        hotline.store.sql.query(f"SELECT * FROM {{t}} ORDER BY {order}", t=table)
        for table, order in (
            ("rpt_month", "month, unit, figure"), ("rpt_staff_month", "month, unit, staff, figure"), ("rpt_facts", "entity, fact"), ("rpt_entities", "id"),
        )
    ]


def test_decisions_after_the_month_count_in_their_own_month_and_a_revoked_sanction_leaves_the_figures(october: Any) -> None:
    """In November: a hand-raised finding dismissed (U1), another waived under Art. 12 (U3), and the U2 11(2) finding
    of October referred (Art. 15) and its collective sanction appealed and revoked (Art. 16). Hand-computed truth below."""
    from accountability.finding import BasisRef, Subject, rule_finding_id
    from tests.builders import CITY, leader
    from tests.reports_world import at, expected
    from tests.world import accept, ctx

    findings = october.findings

    def raised(unit: str, hour: int) -> Any:
        case_id = accept(october, at(11, 2, hour))
        october.cases.dispatch(case_id, lead_unit=unit, co_units=[], working_days=None, response_hours=None, ctx=ctx(CENTER, at(11, 2, hour)))
        basis = [BasisRef(case_id=case_id, version=2)]
        return findings.raise_finding(clause="11(7)", subject=Subject(unit=unit), basis=basis, description="答复敷衍", ctx=ctx(CENTER, at(11, 3, hour))).aggregate.id

    findings.dismiss(raised("U1", 9), reason="查无实据", ctx=ctx(CENTER, at(11, 4, 9)))
    waived = raised("U3", 10)
    findings.confirm(waived, note="属实", ctx=ctx(CENTER, at(11, 4, 10)))
    findings.mitigate(waived, ground="12(1)", effect="waive", reason="诉求不明确", ctx=ctx(CITY, at(11, 4, 11)))
    eleven_two = rule_finding_id(f"11(2)|U2|{MONTH}")
    findings.refer(eleven_two, to="discipline", reason="涉嫌违纪", ctx=ctx(CITY, at(11, 5, 9)))
    findings.appeal(eleven_two, grounds="逾期系系统故障", sanction=1, ctx=ctx(leader("U2"), at(11, 6, 9)))
    findings.decide_appeal(eleven_two, 1, outcome="revoked", reason="理由成立", ctx=ctx(CITY, at(11, 9, 9)))
    assert october.consistent(october.store.head())

    def card(unit: str, period: str) -> dict[str, Any]:
        return october.reports.scorecard(unit, period, CENTER)

    check_card(card("U1", "2026-11"), {"findings_dismissed": 1, "findings": 0})
    check_card(card("U3", "2026-11"), {"findings_waived": 1, "findings_confirmed": 1, "findings": 1})
    check_card(
        card("U2", "2026-11"),
        {"referrals": 1, "appeals": 1, "appeal_outcomes": {"upheld": 0, "modified": 0, "revoked": 1}, "findings_dismissed": 0},
    )
    october_u2 = expected(**OCTOBER["U2"])
    check_card(card("U2", MONTH), {**october_u2, "sanctions_collective": 0})  # revoked: no longer in force
    assert card("U2", MONTH)["measures"] == {"13(1)": 1, "14(1)": 1}  # what was imposed stays counted as imposed
