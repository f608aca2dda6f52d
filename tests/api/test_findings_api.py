"""Findings over HTTP: raised by the rules and by hand, decided, sanctioned, appealed and reviewed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from cases.calendar import TZ
from tests.api.conftest import HANDLER_U1, LEADER_U1, Api, token, unit

pytestmark = pytest.mark.storage

LEADER_U2 = unit("unit_leader", "U2")


def overdue_twice_urged(api: Api) -> tuple[str, dict[str, Any]]:
    """A case urged twice and left more than 10 working days past its deadline: an 11(1) candidate."""
    case_id = api.new_case()["id"]
    api.act(case_id, "dispatch", {"lead_unit": "U1"})
    api.act(case_id, "sign", {}, HANDLER_U1)
    api.move_clock(datetime(2026, 10, 12, 10, tzinfo=TZ))
    api.act(case_id, "urgings", {"method": "sms", "unit": "U1"})
    api.move_clock(datetime(2026, 10, 14, 10, tzinfo=TZ))
    api.act(case_id, "urgings", {"method": "written_letter", "unit": "U1"})
    moved = api.move_clock(datetime(2026, 10, 24, 0, 0, tzinfo=TZ))
    items = api.get("/v1/findings", params={"clause": "11(1)", "min_position": moved["position"]}).json()["items"]
    assert len(items) == 1
    return case_id, items[0]


def test_a_rule_finding_from_raising_to_appeal(api: Api) -> None:
    case_id, listed = overdue_twice_urged(api)
    finding_id = listed["id"]
    finding = api.get(f"/v1/findings/{finding_id}").json()
    assert finding["status"] == "candidate" and finding["raised_by"] == "rules"
    assert finding["article"].startswith("第十一条第（一）项")
    assert finding["subject"] == {"unit": "U1", "staff": None}  # the unit answers
    assert finding["staff_concerned"] == ["U1-unit_handler", "U1-leader"]  # who signed; who was urged
    assert {b["case_id"] for b in finding["basis"]} == {case_id}
    assert finding["allowed_actions"] == ["confirm", "dismiss", "talks"]

    confirmed = api.post(f"/v1/findings/{finding_id}/confirm", {"note": "核实属实"}).json()
    assert confirmed["status"] == "confirmed" and confirmed["decisions"][-1]["action"] == "confirm"
    individual = {"measures": ["14(2)"], "staff": "U1-unit_handler", "responsibility": {"scope": "individual", "kind": "direct"}}
    early = api.post(f"/v1/findings/{finding_id}/sanctions", individual, LEADER_U1)
    assert early.status_code == 409 and "Art. 15" in early.json()["detail"]
    api.post(f"/v1/findings/{finding_id}/talks", {"kind": "reminder_talk", "note": "约谈分管领导"})
    no_scope = api.post(f"/v1/findings/{finding_id}/sanctions", {"measures": ["13(1)"]})
    assert no_scope.status_code == 422 and no_scope.json()["errors"][0]["field"] == "responsibility"
    assert api.post(f"/v1/findings/{finding_id}/sanctions", individual).status_code == 403  # the unit's to impose (Art. 4)
    mixed = api.post(f"/v1/findings/{finding_id}/sanctions", {**individual, "measures": ["13(1)", "14(2)"]}, LEADER_U1)
    assert mixed.status_code == 422 and mixed.json()["errors"][0]["field"] == "measures"
    wrong_scope = api.post(f"/v1/findings/{finding_id}/sanctions", {"measures": ["13(1)"], "responsibility": {"scope": "individual", "kind": "direct"}})
    assert wrong_scope.status_code == 422 and wrong_scope.json()["errors"][0]["field"] == "responsibility.scope"
    other_unit = api.post(f"/v1/findings/{finding_id}/sanctions", {**individual, "staff": "U2-leader"}, LEADER_U1)
    assert other_unit.status_code == 422 and other_unit.json()["errors"][0]["field"] == "staff"

    on_unit = api.post(f"/v1/findings/{finding_id}/sanctions", {"measures": ["13(1)"], "responsibility": {"scope": "collective", "kind": "leadership"}, "note": "通报批评"})
    assert on_unit.status_code == 200, on_unit.text
    on_person = api.post(f"/v1/findings/{finding_id}/sanctions", {**individual, "measures": ["14(2)", "14(3)"], "note": "诫勉谈话并通报批评"}, LEADER_U1)
    assert on_person.status_code == 200, on_person.text
    body = on_person.json()
    assert body["status"] == "sanctioned"
    assert [(s["n"], s["scope"], s["staff"], [m["code"] for m in s["measures"]]) for s in body["sanctions"]] == [
        (1, "collective", None, ["13(1)"]),
        (2, "individual", "U1-unit_handler", ["14(2)", "14(3)"]),
    ]
    assert [(m["code"], m["name"]) for m in body["measures"]] == [("13(1)", "通报批评"), ("14(2)", "诫勉谈话"), ("14(3)", "通报批评")]
    assert "纪检监察" in body["sanctions"][1]["discipline_notice"]

    referral = api.post(f"/v1/findings/{finding_id}/referrals", {"to": "discipline", "reason": "涉嫌违纪"}, "city_gov")
    assert referral.status_code == 200
    person = token("unit_handler", "U1", sub="U1-unit_handler")
    unnamed = api.post(f"/v1/findings/{finding_id}/appeals", {"grounds": "x"}, person)
    assert unnamed.status_code == 422 and unnamed.json()["errors"][0]["field"] == "sanction"
    assert api.post(f"/v1/findings/{finding_id}/appeals", {"grounds": "x", "sanction": 2}, LEADER_U1).status_code == 403
    assert api.post(f"/v1/findings/{finding_id}/appeals", {"grounds": "x", "sanction": 1}, person).status_code == 403
    appealed = api.post(f"/v1/findings/{finding_id}/appeals", {"grounds": "延误系法院裁定所致", "sanction": 2}, person)
    assert appealed.status_code == 200 and appealed.json()["status"] == "appealed"
    assert appealed.json()["appeals"][0]["sanction"] == 2
    decided = api.post(f"/v1/findings/{finding_id}/appeals/1/decision", {"outcome": "modified", "measures": ["14(1)"], "reason": "减轻"}, "city_gov")
    assert decided.json()["status"] == "sanctioned" and [m["code"] for m in decided.json()["measures"]] == ["13(1)", "14(1)"]
    mine = {f["id"]: f for f in api.fresh("/v1/findings", person, staff="U1-unit_handler").json()["items"]}
    assert {f["clause"] for f in mine.values()} == {"11(1)", "11(8)"}  # signed, then let the urgings lapse
    assert mine[finding_id]["measures"] == ["13(1)", "14(1)"]
    assert api.fresh("/v1/findings", "center", staff="U2-leader").json()["items"] == []


def test_the_review_shows_the_basis_then_and_now(api: Api) -> None:
    case_id, listed = overdue_twice_urged(api)
    finding_id = listed["id"]
    api.post(f"/v1/findings/{finding_id}/confirm", {"note": "属实"})
    api.act(case_id, "justifications", {"reason": "法院裁定后方可处理"}, HANDLER_U1)
    moved = api.act(case_id, "justifications/1/decision", {"accepted": True, "reason": "理由正当"})
    review = api.get(f"/v1/findings/{finding_id}/review", "auditor", params={"min_position": moved["position"]}).json()
    assert review["finding"]["clause"] == "11(1)"
    assert [e["type"] for e in review["basis_events"]] == ["HandlingDeadlineLapsed", "Urged", "Urged", "OverdueMarkPassed"]
    raised, confirm = review["at_decisions"]
    assert raised["action"] == "raised" and raised["rule"]["holds"] is True
    assert confirm["action"] == "confirm" and confirm["rule"]["holds"] is True
    assert review["now"]["rule"]["holds"] is False and "正当理由" in review["now"]["rule"]["explanation"]
    assert review["still_holds"] is False
    types_now = [e["type"] for e in review["now"]["cases"][0]["events_after_basis"]]
    assert types_now[-2:] == ["JustificationReported", "JustificationDecided"]
    after = api.get(f"/v1/findings/{finding_id}").json()
    assert after["status"] == "confirmed"  # decided: the rules leave it as people decided it ...
    note = after["decisions"][-1]  # ... and note that they no longer conclude it, for the review
    assert (note["action"], note["by"], note["details"]["holds"]) == ("reassessed", "system:rules", False)
    assert "正当理由" in note["details"]["reason"]


def test_harm_is_recorded_before_confirming_a_reply_mismatch(api: Api) -> None:
    case_id = api.new_case()["id"]
    api.act(case_id, "dispatch", {"lead_unit": "U1"})
    api.act(case_id, "sign", {}, HANDLER_U1)
    api.act(case_id, "reply", {"content": "已处理", "outcome": "resolved"}, HANDLER_U1)
    moved = api.act(case_id, "revisit", {"satisfied": False, "reply_matches_facts": False, "note": "实际未处理"})
    (item,) = api.get("/v1/findings", params={"clause": "11(5)", "min_position": moved["position"]}).json()["items"]
    missing = api.post(f"/v1/findings/{item['id']}/confirm", {"note": "属实"})
    assert missing.status_code == 422 and missing.json()["errors"][0]["field"] == "harm"
    done = api.post(f"/v1/findings/{item['id']}/confirm", {"note": "属实", "harm": "诉求人向媒体投诉，造成不良影响"})
    assert done.json()["harm"] == "诉求人向媒体投诉，造成不良影响"


def test_12_1_is_suggested_and_a_waiver_ends_the_matter(api: Api) -> None:
    case_id = api.new_case(urgency="emergency", confidential=True, unclear=True)["id"]
    api.act(case_id, "dispatch", {"lead_unit": "U1"})
    moved = api.move_clock(datetime(2026, 9, 28, 12, tzinfo=TZ))
    (item,) = api.get("/v1/findings", params={"clause": "11(3)", "min_position": moved["position"]}).json()["items"]
    finding = api.get(f"/v1/findings/{item['id']}").json()
    assert finding["suggestions"] == ["12(1)"] and finding["needs_harm"] is True
    api.post(f"/v1/findings/{item['id']}/confirm", {"note": "", "harm": "延误救援"})
    bad = api.post(f"/v1/findings/{item['id']}/mitigations", {"ground": "12(9)", "effect": "waive", "reason": "x"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "ground"
    waived = api.post(f"/v1/findings/{item['id']}/mitigations", {"ground": "12(1)", "effect": "waive", "reason": "诉求不明确且要求保密"}, "city_gov").json()
    assert waived["status"] == "waived" and waived["decisions"][-1]["details"]["effect_text"] == "免予追究"


def test_raising_by_hand(api: Api) -> None:
    case_id = api.new_case()["id"]
    api.act(case_id, "dispatch", {"lead_unit": "U1"})
    body = {"clause": "11(7)", "subject": {"unit": "U1"}, "basis": [{"case_id": case_id, "version": 2}], "description": "失职渎职"}
    created = api.post("/v1/findings", body)
    assert created.status_code == 201 and created.json()["raised_by"] == "center-1" and created.json()["status"] == "candidate"
    bad_clause = api.post("/v1/findings", {**body, "clause": "11(13)"})
    assert bad_clause.status_code == 422 and bad_clause.json()["errors"][0]["field"] == "clause"
    bad_version = api.post("/v1/findings", {**body, "basis": [{"case_id": case_id, "version": 9}]})
    assert bad_version.json()["errors"][0]["field"] == "basis[0].version"
    empty = api.post("/v1/findings", {**body, "basis": []})
    assert empty.status_code == 422 and empty.json()["errors"][0]["field"] == "basis"
    assert api.post("/v1/findings", {**body, "subject": {"unit": "U2"}}, LEADER_U1).status_code == 403
    assert api.post("/v1/findings", body, LEADER_U1).status_code == 201
    assert api.post("/v1/findings", body, HANDLER_U1).status_code == 403
    assert api.post("/v1/findings", body, "agent").status_code == 403


def test_units_see_their_own_findings_only(api: Api) -> None:
    case_id = api.new_case()["id"]
    api.act(case_id, "dispatch", {"lead_unit": "U1"})
    created = api.post("/v1/findings", {"clause": "11(12)", "subject": {"unit": "U1"}, "basis": [{"case_id": case_id, "version": 1}], "description": "其他"}).json()
    assert api.get(f"/v1/findings/{created['id']}", HANDLER_U1).status_code == 200
    assert api.get(f"/v1/findings/{created['id']}", LEADER_U2).status_code == 404
    assert api.get(f"/v1/findings/{created['id']}/review", LEADER_U2).status_code == 404
    assert api.post(f"/v1/findings/{created['id']}/confirm", {"note": ""}, LEADER_U2).status_code == 403
    mine = api.fresh("/v1/findings", HANDLER_U1).json()["items"]
    assert [f["id"] for f in mine] == [created["id"]]
    assert api.fresh("/v1/findings", LEADER_U2).json()["items"] == []
    assert api.get("/v1/findings", LEADER_U2, params={"unit": "U1"}).status_code == 403
    assert api.get("/v1/findings", "agent").json()["items"] == []
    assert api.get("/v1/findings/not-a-uuid").status_code == 404
    dismissed = api.post(f"/v1/findings/{created['id']}/dismiss", {"reason": "不成立"})
    assert dismissed.json()["status"] == "dismissed"
    assert api.post(f"/v1/findings/{created['id']}/confirm", {"note": ""}).status_code == 409
    assert len(api.fresh("/v1/findings", status="dismissed").json()["items"]) == 1
