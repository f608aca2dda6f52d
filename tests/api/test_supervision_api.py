"""Supervision over HTTP: urgings with their deadlines, grounds, the Art. 5 chain, Art. 17, the worklist."""

from __future__ import annotations

from datetime import datetime

import pytest

from cases.calendar import TZ
from tests.api.conftest import HANDLER_U1, HANDLER_U2, Api, unit

pytestmark = pytest.mark.storage


def signed(api: Api, lead: str = "U1", co: list[str] | None = None, **case: object) -> str:
    case_id = api.new_case(**case)["id"]
    api.act(case_id, "dispatch", {"lead_unit": lead, "co_units": co or []})
    api.act(case_id, "sign", {}, unit("unit_handler", lead))
    return case_id


def test_sms_on_30_september_is_due_9_october_and_lapses_at_its_24_00(api: Api) -> None:
    case_id = signed(api)
    api.move_clock(datetime(2026, 9, 30, 15, tzinfo=TZ))
    case = api.act(case_id, "urgings", {"method": "sms", "unit": "U1", "note": "请尽快办结"})
    urging = case["urgings"][0]
    assert (urging["n"], urging["method"], urging["article"], urging["unit"]) == (1, "sms", "7(1)", "U1")
    assert urging["due_date"] == "2026-10-09" and urging["received_at"] == "2026-09-30T15:00:00+08:00"
    assert urging["addressee"] == "U1-leader" and urging["state"] == "pending"
    api.move_clock(datetime(2026, 10, 9, 23, 59, tzinfo=TZ))
    assert api.get(f"/v1/cases/{case_id}").json()["urgings"][0]["state"] == "pending"
    moved = api.move_clock(datetime(2026, 10, 10, 0, 0, tzinfo=TZ))
    case = api.get(f"/v1/cases/{case_id}", params={"min_position": moved["position"]}).json()
    assert case["urgings"][0]["state"] == "lapsed" and case["urgings"][0]["lapsed_at"] == "2026-10-10T00:00:00+08:00"
    assert case["supervision"]["unmet"] == [1]


def test_letter_on_friday_9_october_is_due_monday_12_october(api: Api) -> None:
    case_id = signed(api)
    api.move_clock(datetime(2026, 10, 9, 10, tzinfo=TZ))
    urging = api.act(case_id, "urgings", {"method": "written_letter", "unit": "U1"})["urgings"][0]
    assert (urging["article"], urging["due_date"]) == ("7(2)", "2026-10-12")


def test_onsite_and_leader_dispatch_need_their_papers(api: Api) -> None:
    case_id = signed(api, co=["U2"])
    head = api.hotline.store.head()
    missing = api.post(f"/v1/cases/{case_id}/urgings", {"method": "onsite_coordination", "unit": "U1"})
    assert missing.status_code == 422
    assert [e["field"] for e in missing.json()["errors"]] == ["due_date", "signed_by"]
    no_instruction = api.post(f"/v1/cases/{case_id}/urgings", {"method": "leader_dispatch", "unit": "U1", "due_date": "2026-10-15"})
    assert [e["field"] for e in no_instruction.json()["errors"]] == ["instruction"]
    computed = api.post(f"/v1/cases/{case_id}/urgings", {"method": "sms", "unit": "U1", "due_date": "2026-10-15"})
    assert [e["field"] for e in computed.json()["errors"]] == ["due_date"]
    stranger = api.post(f"/v1/cases/{case_id}/urgings", {"method": "sms", "unit": "U3"})
    assert [e["field"] for e in stranger.json()["errors"]] == ["unit"]
    unknown = api.post(f"/v1/cases/{case_id}/urgings", {"method": "pigeon", "unit": "U1"})
    assert unknown.status_code == 422 and "'sms'" in unknown.json()["errors"][0]["message"]
    assert api.hotline.store.head() == head
    onsite = api.act(case_id, "urgings", {
        "method": "onsite_coordination", "unit": "U1", "due_date": "2026-10-16",
        "signed_by": [{"unit": "U1", "share": "牵头整改"}, "U2"],
    })["urgings"][0]
    assert onsite["article"] == "7(3)" and onsite["due_date"] == "2026-10-16"
    assert onsite["signed_by"] == [{"unit": "U1", "share": "牵头整改"}, {"unit": "U2", "share": ""}]
    case = api.act(case_id, "urgings", {"method": "leader_dispatch", "unit": "U1", "due_date": "2026-10-15", "instruction": "限期解决", "leader": "王副市长"}, "city_gov")
    assert case["urgings"][1]["article"] == "7(4)" and "6(1)" in case["supervision"]["grounds"]


def test_6_5_by_hand_and_the_grounds_cite_their_article(api: Api) -> None:
    case_id = signed(api, flags=["leader_involved"])
    wrong = api.post(f"/v1/cases/{case_id}/supervision", {"ground": "6(2)", "reason": "x"})
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "ground"
    case = api.act(case_id, "supervision", {"ground": "6(5)", "reason": "媒体关注"}, "city_gov")
    assert case["supervision"]["grounds"] == ["6(1)", "6(5)"]
    assert [d["article"] for d in case["supervision"]["details"]] == ["6(1)", "6(5)"]


def test_article_5_chain_and_city_tracking(api: Api) -> None:
    case_id = signed(api)
    early = api.post(f"/v1/cases/{case_id}/rectification-proposals", {"unit": "U1", "proposal": "整改"})
    assert early.status_code == 409
    api.move_clock(datetime(2026, 10, 12, tzinfo=TZ))
    case = api.act(case_id, "rectification-proposals", {"unit": "U1", "proposal": "立即整改", "kind": "rectification"})
    assert case["rectification_proposals"][0]["unit"] == "U1"
    assert api.post(f"/v1/cases/{case_id}/escalations", {"reason": "x"}).status_code == 409
    api.act(case_id, "rectification-proposals/1/refusal", {"note": "拒不落实"})
    case = api.act(case_id, "escalations", {"reason": "拒不落实整改建议"})
    assert case["escalations"][0]["rectification"] == 1
    case = api.act(case_id, "tracking", {"note": "督查室跟踪督办"}, "city_gov")
    assert case["tracking"]["staff"] == "gov-1"


def findings(api: Api, position: int, **where: object) -> list[dict]:
    return api.get("/v1/findings", params={"min_position": position, **where}).json()["items"]


def test_buck_passing_in_a_joint_case_that_then_lapses_is_an_11_4_candidate_against_the_lead_unit(api: Api) -> None:
    case_id = api.new_case()["id"]
    api.act(case_id, "dispatch", {"lead_unit": "U1", "co_units": ["U2"]})
    api.act(case_id, "return-dispatch", {"reason": "不属于本单位"}, HANDLER_U1)
    api.act(case_id, "returns/1/decision", {"accepted": False, "reason": "属于该单位职责"})
    case = api.act(case_id, "rectification-proposals", {"unit": "U1", "proposal": "停止推诿", "kind": "reminder"})
    assert case["rectification_proposals"][0]["kind"] == "reminder" and case["status"] == "dispatched"
    assert findings(api, case["position"], clause="11(4)") == []  # not overdue yet
    moved = api.move_clock(datetime(2026, 10, 11, tzinfo=TZ))  # due Sat 10-10, lapsed at its 24:00
    (finding,) = findings(api, moved["position"], clause="11(4)")
    assert finding["subject"] == {"unit": "U1", "staff": None} and finding["staff_concerned"] == ["U1-unit_handler"]
    assert finding["status"] == "candidate" and "推诿" in finding["description"]


def test_a_co_unit_that_did_not_cooperate_in_a_joint_case_that_lapses_is_an_11_4_candidate(api: Api) -> None:
    case_id = signed(api, co=["U2"])
    case = api.act(case_id, "cooperation-issues", {"unit": "U2", "note": "未按约定到场"}, HANDLER_U1)
    assert case["cooperation_issues"][0]["unit"] == "U2"
    assert api.post(f"/v1/cases/{case_id}/cooperation-issues", {"unit": "U1", "note": "x"}, HANDLER_U2).status_code == 403
    moved = api.move_clock(datetime(2026, 10, 11, tzinfo=TZ))
    (finding,) = findings(api, moved["position"], clause="11(4)")
    assert finding["subject"] == {"unit": "U2", "staff": None} and "协办单位U2不配合" in finding["description"]


def test_urging_a_co_unit_twice_does_not_make_the_lead_unit_an_11_1_case(api: Api) -> None:
    case_id = signed(api, co=["U2"])
    api.move_clock(datetime(2026, 10, 12, 10, tzinfo=TZ))
    api.act(case_id, "urgings", {"method": "sms", "unit": "U2"})
    api.move_clock(datetime(2026, 10, 14, 10, tzinfo=TZ))
    api.act(case_id, "urgings", {"method": "written_letter", "unit": "U2"})
    moved = api.move_clock(datetime(2026, 10, 24, tzinfo=TZ))  # the mark of the 10-10 deadline has passed
    assert findings(api, moved["position"], clause="11(1)") == []
    api.move_clock(datetime(2026, 10, 26, 10, tzinfo=TZ))
    api.act(case_id, "urgings", {"method": "phone", "unit": "U1"})
    case = api.act(case_id, "urgings", {"method": "sms", "unit": "U1"})
    (finding,) = findings(api, case["position"], clause="11(1)")
    assert finding["subject"]["unit"] == "U1" and "第3次电话督办、第4次短信督办" in finding["description"]


def test_article_17_feedback_to_the_superior(api: Api) -> None:
    case_id = signed(api, lead="N1")
    api.act(case_id, "urgings", {"method": "phone", "unit": "N1"})
    case = api.act(case_id, "superior-feedback", {"note": "督办结果：已按期办结"})
    assert case["superior_feedback"][0] == {**case["superior_feedback"][0], "unit": "N1", "superior": "U3"}
    listed = api.fresh("/v1/supervision/feedback", unit("unit_leader", "U3")).json()["items"]
    assert [(i["case_id"], i["unit"], i["article"]) for i in listed] == [(case_id, "N1", "17")]
    assert api.fresh("/v1/supervision/feedback", HANDLER_U1).json()["items"] == []
    assert api.get("/v1/supervision/feedback", HANDLER_U1, params={"superior": "U3"}).status_code == 403
    assert len(api.fresh("/v1/supervision/feedback", "city_gov").json()["items"]) == 1


def test_article_17_feedback_for_any_supervised_case_a_non_member_unit_handled(api: Api) -> None:
    supervised = signed(api, lead="N1", flags=["key"])  # Art. 6(2), never urged
    assert "superior-feedback" in api.get(f"/v1/cases/{supervised}").json()["allowed_actions"]
    case = api.act(supervised, "superior-feedback", {"note": "重点诉求督办结果"})
    assert case["superior_feedback"][0]["superior"] == "U3"
    member = signed(api, lead="U1", flags=["key"])
    assert "superior-feedback" not in api.get(f"/v1/cases/{member}").json()["allowed_actions"]
    assert api.post(f"/v1/cases/{member}/superior-feedback", {"note": "x"}).status_code == 409
    plain = signed(api, lead="N1")
    assert api.post(f"/v1/cases/{plain}/superior-feedback", {"note": "x"}).status_code == 409  # nothing supervised


def test_the_worklist_puts_unmet_supervision_first_then_the_nearest_deadline(api: Api) -> None:
    quiet = api.new_case()["id"]
    api.act(quiet, "dispatch", {"lead_unit": "U1"})
    flagged = signed(api, flags=["hot"])
    urged = signed(api)
    api.act(urged, "urgings", {"method": "sms", "unit": "U1"})
    moved = api.move_clock(datetime(2026, 10, 1, 0, 0, tzinfo=TZ))  # the SMS (due 09-30) lapses
    assert api.get("/v1/supervision/worklist", HANDLER_U1).status_code == 403
    items = api.get("/v1/supervision/worklist", "city_gov", params={"min_position": moved["position"]}).json()["items"]
    assert [i["id"] for i in items] == [urged, flagged]
    assert items[0]["unmet_supervision"] == 1 and items[1]["grounds"] == ["6(2)"]
    assert items[1]["next_deadline_at"] == "2026-10-11T00:00:00+08:00"
