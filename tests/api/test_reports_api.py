"""Read models and reports over HTTP: scorecards with explain and visibility, the monthly report in four formats,
the assessment with its policy version, the analysis, and spot checks."""

from __future__ import annotations

import csv
import io
import re
from html.parser import HTMLParser
from typing import Any

import pytest

from accountability.spot_checks import draw
from tests.api.conftest import Api, console_sign_in, unit
from tests.reports_world import MONTH, OCTOBER, RATES_OCTOBER, SEPTEMBER_U1, build_october, check_card

pytestmark = pytest.mark.storage
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
LEADER = unit("unit_leader", "U1")


@pytest.fixture
def october(api: Api) -> Api:
    build_october(api.hotline)
    return api


def test_scorecards_answer_the_known_month_and_explain_their_figures(october: Api) -> None:
    api = october
    for unit_id, truth in OCTOBER.items():
        response = api.fresh(f"/v1/units/{unit_id}/scorecard", period=MONTH)
        assert response.status_code == 200, response.text
        check_card(response.json(), truth)
    check_card(api.fresh("/v1/units/U1/scorecard", period="2026-09").json(), SEPTEMBER_U1)
    card = api.fresh("/v1/units/U1/scorecard", period=MONTH).json()
    assert {k: card["rates"][k] for k in RATES_OCTOBER["U1"]} == RATES_OCTOBER["U1"]
    explained = api.fresh("/v1/units/U1/scorecard", period=MONTH, explain="overdue").json()
    assert explained["count"] == 2 and len(explained["items"]) == 2
    item = next(i for i in explained["items"] if i["summary"].startswith("E"))
    assert re.fullmatch(r"\d{13}", item["number"]) and item["counted_by"]["event"] == "HandlingDeadlineLapsed"
    assert item["detail"] == {"round": 1, "due_date": "2026-10-14"}
    assert api.fresh("/v1/units/U1/scorecard", period=MONTH, explain="no_such_figure").status_code == 422
    assert api.fresh("/v1/units/U1/scorecard", period="2026-13").status_code == 422
    assert api.fresh("/v1/units/U9/scorecard", period=MONTH).status_code == 404


def test_a_unit_sees_itself_and_the_non_member_units_it_is_superior_to(october: Api) -> None:
    api = october
    u1, u3 = unit("unit_handler", "U1"), unit("unit_leader", "U3")
    assert api.fresh("/v1/units/U1/scorecard", u1, period=MONTH).status_code == 200
    assert api.fresh("/v1/units/U2/scorecard", u1, period=MONTH).status_code == 403
    assert api.fresh("/v1/units/N1/scorecard", u1, period=MONTH).status_code == 403
    assert api.fresh("/v1/units/N1/scorecard", u3, period=MONTH).json()["replied"] == 1  # Art. 17: to its superior
    for role in ("city_gov", "discipline", "auditor"):
        assert api.fresh("/v1/units/U2/scorecard", role, period=MONTH).status_code == 200
    assert api.fresh("/v1/units/U1/scorecard", "agent", period=MONTH).status_code == 403
    assert api.fresh("/v1/analysis", u1, period=MONTH).status_code == 403


def test_the_monthly_report_in_json_csv_xlsx_and_html_shows_the_same_numbers(october: Api) -> None:
    api = october
    head = api.hotline.store.head()
    report = api.get(f"/v1/reports/monthly/{MONTH}", params={"min_position": head}).json()
    cards = {c["unit"]: c for c in report["units"]}
    assert [c["unit"] for c in report["units"]] == ["U1", "U2", "U3", "N1"]
    for unit_id, truth in OCTOBER.items():
        check_card(cards[unit_id], truth)
    assert report["totals"]["dispatched"] == 14 and report["totals"]["overdue_unjustified"] == 6
    assert [r["unit"] for r in report["rankings"]["replied_on_time"]] == ["U3", "U1", "U2"]
    assert [(u["unit"], u["status"], u["overdue_unjustified"]) for u in report["units_with_11_2"]] == [("U2", "sanctioned", 5)]
    assert {u["method"]: u["count"] for u in report["urgings_by_method"]} == {
        "sms": 1, "phone": 1, "wechat": 1, "written_letter": 1, "onsite_coordination": 1, "leader_dispatch": 1,
    }
    assert (report["supervision"]["met"], report["supervision"]["unmet"]) == (5, 1)
    assert sorted((d["decision"], d["unit"]) for d in report["decisions"]) == [("确认问责事项数", "U2"), ("问责决定数", "U2"), ("问责决定数", "U2")]
    assert [t["month"] for t in report["trend"]][-2:] == ["2026-09", "2026-10"] and len(report["trend"]) == 12

    csv_answer = api.get(f"/v1/reports/monthly/{MONTH}", headers={"Accept": "text/csv"})
    assert csv_answer.headers["content-type"].startswith("text/csv") and csv_answer.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(csv_answer.content.decode("utf-8-sig"))))
    by_unit = {r["单位编码"]: r for r in rows}
    assert by_unit["U1"]["单位名称"] == "unit U1" and by_unit["U1"]["无正当理由逾期件数"] == "1"
    assert by_unit["U1"]["按时办结率"] == "66.7%" and by_unit["U2"]["满意率"] == "" and by_unit["U2"]["派单数"] == "5"
    assert by_unit["*"]["单位名称"] == "全市合计" and by_unit["*"]["派单数"] == "14"

    from openpyxl import load_workbook

    xlsx_answer = api.get(f"/v1/reports/monthly/{MONTH}", headers={"Accept": XLSX})
    assert xlsx_answer.headers["content-type"] == XLSX
    book = load_workbook(io.BytesIO(xlsx_answer.content))
    assert book.sheetnames == ["运行月报", "排名", "问责情况", "说明"]
    sheet = book["运行月报"]
    headers = [c.value for c in sheet[1]]
    assert sheet.freeze_panes == "C2" and headers[:4] == ["单位编码", "单位名称", "类别", "派单数"]
    values = {row[0]: dict(zip(headers, row, strict=True)) for row in sheet.iter_rows(min_row=2, values_only=True)}
    for unit_id, truth in OCTOBER.items():
        assert values[unit_id]["派单数"] == truth["dispatched"] and values[unit_id]["逾期件数"] == truth["overdue"]
    rate_column = headers.index("按时办结率") + 1
    assert values["U1"]["按时办结率"] == 0.6667 and sheet.cell(row=2, column=rate_column).number_format == "0.0%"
    notes = [row[0] for row in book["说明"].iter_rows(min_row=5, values_only=True)]
    assert "第八条" in notes and "第十一条第（二）项" in notes
    readings = [row for row in book["说明"].iter_rows(min_row=5, values_only=True) if row[0]]
    english = [text for row in readings for text in row if text and re.search(r"[A-Za-z]{3,}", str(text))]
    assert not english, f"a report for officials reads in Chinese: {english}"  # the API's English readings stay in JSON

    page = api.get(f"/v1/reports/monthly/{MONTH}", headers={"Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8"})
    assert page.headers["content-type"].startswith("text/html")
    text = page.text
    assert "<script" not in text and text.count("<svg") == 3 and "运行月报" in text
    cells = html_cells(text)
    for unit_id, truth in OCTOBER.items():
        for key in ("dispatched", "overdue", "overdue_unjustified", "urgings", "findings"):
            assert cells[("运行月报", unit_id, key)] == str(truth[key])
    assert cells[("运行月报", "U1", "rate:replied_on_time")] == "66.7%"


def test_reports_negotiate_formats_and_a_token_never_travels_in_a_url(october: Api) -> None:
    api = october
    path = f"/v1/reports/monthly/{MONTH}"
    assert api.get(path, params={"format": "csv"}).headers["content-type"].startswith("text/csv")
    assert api.get(path, headers={"Accept": "application/pdf"}).status_code == 406
    assert api.get(path, headers={"Accept": "text/csv;q=0.5, text/html"}).headers["content-type"].startswith("text/html")
    jwt = api.headers("city_gov")["Authorization"].split()[1]
    assert api.client.get(path, params={"access_token": jwt}, headers={"Accept": "text/html"}).status_code == 401
    assert api.client.get(path).status_code == 401


def test_the_console_opens_the_reports_and_scorecards_with_the_apis_numbers(october: Api) -> None:
    api, client = october, october.client
    head = api.hotline.store.head()
    assert api.hotline.consistent(head)
    console_sign_in(client, unit("unit_leader", "U1"))
    try:
        page = client.get(f"/console/reports/monthly/{MONTH}")
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        cells = html_cells(page.text)
        for unit_id, truth in OCTOBER.items():  # the monthly report is published: a unit reads every unit's line
            assert cells[("运行月报", unit_id, "overdue_unjustified")] == str(truth["overdue_unjustified"])
        workbook = client.get(f"/console/reports/monthly/{MONTH}", params={"format": "xlsx"})
        assert workbook.headers["content-type"] == XLSX and "attachment" in workbook.headers["content-disposition"]
        assert client.get(f"/console/reports/monthly/{MONTH}", params={"format": "pdf"}).status_code == 422
        assert client.get("/console/reports/monthly/2026-13").status_code == 404
        assert client.get("/console/assessment/2026", params={"format": "csv"}).content.startswith(b"\xef\xbb\xbf")
        from openpyxl import load_workbook

        notes = load_workbook(io.BytesIO(client.get("/console/assessment/2026", params={"format": "xlsx"}).content))["说明"]
        english = [text for row in notes.iter_rows(values_only=True) for text in row if text and re.search(r"[A-Za-z]{3,}", str(text))]
        assert not english, f"the assessment's notes read in Chinese: {english}"

        listing = client.get("/console/reports", params={"month": MONTH}).text
        assert "/console/units/U1/scorecard?period=2026-10" in listing and "/console/units/U2/scorecard" not in listing
        card = api.fresh("/v1/units/U1/scorecard", LEADER, period=MONTH).json()
        shown = client.get("/console/units/U1/scorecard", params={"period": MONTH, "explain": "overdue"}).text
        for key in ("dispatched", "overdue", "overdue_unjustified", "urgings", "replied_on_time"):
            cell = re.search(rf'data-figure="{key}"><td>[^<]*</td>\s*<td>(?:<a [^>]*>)?(\d+)', shown)
            assert cell is not None and int(cell.group(1)) == card[key], key
        behind = api.fresh("/v1/units/U1/scorecard", LEADER, period=MONTH, explain="overdue").json()["items"]
        assert all(f"/console/cases/{item['case_id']}" in shown for item in behind) and behind
        assert client.get("/console/units/U2/scorecard", params={"period": MONTH}).status_code == 403
    finally:
        client.cookies.clear()


def test_the_assessment_scores_with_the_policy_version_it_names(october: Api) -> None:
    api = october
    first = api.fresh("/v1/assessment/2026").json()
    assert first["policy"]["version"] == 0 and first["policy"]["weights"]["replied_on_time"] == 0.35
    units = {u["unit"]: u for u in first["units"]}
    # U2: rates 1 (signed), 0 (replied on time), none (satisfaction), 1 (no redo), 1 (supervision met) weighted
    # 0.15, 0.35, -, 0.10, 0.10 over 0.70 = 50.0; less 1 finding + 2 (collective) + 0.5 (individual) = 46.5
    assert units["U2"]["score"] == {"score": 46.5, "rate_part": 50.0, "deduction": 3.5, "rates_used": ["no_redo", "replied_on_time", "signed_on_time", "supervision_met"]}
    # U1: 100 × (0.15·5/6 + 0.35·4/7 + 0.30·1/2 + 0.10·6/7 + 0.10·0) = 56.07; less 2 findings = 54.07
    assert units["U1"]["score"]["score"] == 54.07
    # U3: 100 × (0.15·2/3 + 0.35·1 + 0.10·1) / 0.60 = 91.67, nothing deducted
    assert units["U3"]["score"]["score"] == 91.67
    assert [units[u]["rank"] for u in ("U3", "U1", "U2")] == [1, 2, 3]
    assert units["U3"]["indicators"]["signed_on_time"] == {"value": 0.6667, "numerator": 2, "denominator": 3}
    assert units["U2"]["counts"]["findings_by_clause"] == {"11(2)": 1} and units["U2"]["counts"]["measures"] == {"13(1)": 1, "14(1)": 1}

    weights = {"signed_on_time": 0.1, "replied_on_time": 0.5, "satisfaction": 0.2, "no_redo": 0.1, "supervision_met": 0.1}
    assert api.put("/v1/policy/assessment", {**weights, "no_redo": 0.5}, "admin").status_code == 422
    assert api.put("/v1/policy/assessment", weights, unit("unit_leader", "U1")).status_code == 403
    answer = api.put("/v1/policy/assessment", weights, "admin")
    assert answer.status_code == 200 and answer.json()["policy_version"] == 1
    second = api.get("/v1/assessment/2026", params={"min_position": answer.json()["position"]}).json()
    assert second["policy"]["version"] == 1 and second["policy"]["set_by"] == "admin-1"
    u2 = next(u for u in second["units"] if u["unit"] == "U2")
    assert u2["score"]["rate_part"] == round(100 * (0.1 + 0 + 0.1 + 0.1) / 0.8, 2)
    assert api.fresh("/v1/assessment/2026", policy_version=0).json()["policy"]["version"] == 0
    assert api.fresh("/v1/policy/assessment").json()["policy_version"] == 1

    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(api.get("/v1/assessment/2026", headers={"Accept": XLSX}).content))
    rows = {r[0]: r for r in book["年度考核"].iter_rows(min_row=2, values_only=True)}
    assert rows["U2"][3] == u2["score"]["score"]
    assert "第1版" in [r[1] for r in book["说明"].iter_rows(min_row=5, values_only=True)][0]
    page = api.get("/v1/assessment/2026", params={"format": "html"}).text
    assert html_cells(page)[("年度考核", "U2", "score")] == f"{u2['score']['score']:.2f}"


def test_the_analysis_shows_month_over_month_change_and_who_worsened(october: Api) -> None:
    api = october
    by_unit = api.fresh("/v1/analysis", "city_gov", period=MONTH, by="unit").json()
    u1 = next(r for r in by_unit["rows"] if r["unit"] == "U1")
    assert u1["previous"]["dispatched"] == 1 and u1["current"]["dispatched"] == 5 and u1["change"]["dispatched"] == 4
    assert u1["change"]["rates"]["signed_on_time"] == -0.2
    assert [(w["unit"], w["decline"]["points"]) for w in by_unit["worsened"]] == [("U1", 20.0), ("U2", 5)]
    by_staff = api.fresh("/v1/analysis", "city_gov", period=MONTH, by="staff").json()
    people = {(r["unit"], r["staff"]): r for r in by_staff["rows"]}
    assert people[("U1", "U1-handler")]["current"]["replied"] == 7
    assert people[("U2", "U2-unit_handler")]["current"]["sanctions"] == 1


def test_spot_checks_are_recorded_and_reproducible(october: Api) -> None:
    api = october
    body = {"size": 4, "seed": 20261031, "period": MONTH}
    first = api.post("/v1/spot-checks", body, "city_gov", params={"min_position": api.hotline.store.head()})
    assert first.status_code == 201, first.text
    drawn = first.json()
    october_ids = [c["id"] for c in api.fresh("/v1/cases", month=MONTH, page_size=500).json()["items"]]
    assert drawn["population"] == len(october_ids) == 13 and len(drawn["cases"]) == 4
    assert drawn["cases"] == list(draw(october_ids, 20261031, 4))
    again = api.post("/v1/spot-checks", body, "city_gov").json()
    assert again["cases"] == drawn["cases"] and again["id"] != drawn["id"] and again["scope_digest"] == drawn["scope_digest"]
    other = api.post("/v1/spot-checks", {"size": 20, "unit": "U2"}, "city_gov").json()
    assert other["population"] == 5 and len(other["cases"]) == 5 and isinstance(other["seed"], int)
    assert api.post("/v1/spot-checks", body, "center").status_code == 403
    assert api.post("/v1/spot-checks", {"size": 0}, "city_gov").status_code == 422
    listed = api.fresh("/v1/spot-checks", "auditor").json()["items"]
    assert [i["id"] for i in listed] == [other["id"], again["id"], drawn["id"]]
    assert listed[2]["drawn_by"] == "gov-1" and listed[2]["scope"] == {"period": MONTH, "unit": None, "status": None}
    assert api.fresh(f"/v1/spot-checks/{drawn['id']}", "city_gov").json()["cases"] == drawn["cases"]
    assert api.fresh("/v1/spot-checks/nope", "city_gov").status_code == 404


class Cells(HTMLParser):
    """The ``data-row``/``data-col`` cells of every table: (sheet, row, column) → text."""

    def __init__(self) -> None:
        super().__init__()
        self.cells: dict[tuple[str, str, str], str] = {}
        self.sheet = ""
        self.key: tuple[str, str, str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "table":
            self.sheet = found.get("data-sheet") or ""
        if tag == "td" and "data-col" in found:
            self.key = (self.sheet, found.get("data-row") or "", found["data-col"] or "")
            self.cells[self.key] = ""

    def handle_data(self, data: str) -> None:
        if self.key is not None:
            self.cells[self.key] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "td":
            self.key = None


def html_cells(text: str) -> dict[tuple[str, str, str], Any]:
    parser = Cells()
    parser.feed(text)
    return parser.cells


def test_a_period_outside_this_century_is_refused_everywhere_and_records_nothing(october: Api) -> None:
    """One period pattern for the API, the console and the reports: year 0000 was a 200 here and a recorded spot check there."""
    api = october
    assert api.get("/v1/units/U1/scorecard", "center", params={"period": "0000-10"}).status_code == 422
    head = api.hotline.store.head()
    assert api.post("/v1/spot-checks", {"size": 1, "seed": 1, "period": "0000-01"}, "city_gov").status_code == 422
    assert api.hotline.store.head() == head
