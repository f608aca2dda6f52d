"""A case's whole life over HTTP, exactly as API.md says, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime

import pytest

from accountability.tally import tally_id
from cases.calendar import TZ
from tests.api.conftest import HANDLER_U1, HANDLER_U2, HANDLER_U3, LEADER_U1, Api

pytestmark = pytest.mark.storage


def test_accept_answers_201_with_version_etag_and_position(api: Api) -> None:
    response = api.post("/v1/cases", {
        "channel": "phone", "category": "environment", "summary": "s", "content": "c",
        "urgency": "normal", "requester": {"name": "张三", "phone": "13812345678"}, "confidential": False, "flags": ["hot"],
    }, "agent")
    assert response.status_code == 201
    case = response.json()
    assert case["status"] == "accepted" and case["version"] == 2  # Accepted, then the 6(2) ground
    assert response.headers["etag"] == '"2"'
    assert case["number"] == "2026092800001"
    assert case["position"] == api.hotline.store.head()
    assert {k: case["supervision"][k] for k in ("required", "grounds", "unmet")} == {"required": True, "grounds": ["6(2)"], "unmet": []}
    (ground,) = case["supervision"]["details"]
    assert (ground["ground"], ground["article"], ground["round"], ground["at"], ground["by"], ground["version"]) == (
        "6(2)", "6(2)", 0, "2026-09-28T09:00:00+08:00", "agent-1", 2
    )
    assert ground["reason"] == "flagged 'hot' at acceptance: a key, difficult or hot issue raised by the public"
    assert case["requester"]["phone"] == "13812345678"
    assert case["allowed_actions"] == ["close", "dispatch", "supervision"]


def test_a_case_through_its_whole_life(api: Api) -> None:
    case_id = api.new_case()["id"]
    case = api.act(case_id, "dispatch", {"lead_unit": "U1", "co_units": ["U2"]})
    assert case["status"] == "dispatched" and case["round"] == 1
    assert case["deadline"]["due_date"] == "2026-10-10"
    assert case["deadline"]["rule"] == "5 working days from dispatch on 2026-09-28 (deadline policy, category 'environment')"
    assert case["lead_unit"] == "U1" and case["co_units"] == ["U2"]

    api.act(case_id, "sign", {}, HANDLER_U2)
    case = api.act(case_id, "sign", {}, HANDLER_U1)
    assert case["status"] == "signed" and [s["unit"] for s in case["signatures"]] == ["U2", "U1"]

    case = api.act(case_id, "extension-requests", {"working_days": 2, "reason": "survey"}, HANDLER_U1)
    assert case["extension_requests"][0]["decision"] is None
    case = api.act(case_id, "extension-requests/1/decision", {"approved": True, "reason": "ok"})
    assert case["deadline"]["due_date"] == "2026-10-13"

    api.act(case_id, "contributions", {"note": "enforcement done"}, HANDLER_U2)
    case = api.act(case_id, "reply", {"content": "fixed", "outcome": "resolved"}, LEADER_U1)
    assert case["status"] == "replied" and case["reply"]["outcome"] == "resolved" and not case["overdue"]

    case = api.act(case_id, "revisit", {"satisfied": False, "reply_matches_facts": True, "note": "still noisy", "satisfaction": "unsatisfied"}, "agent")
    case = api.act(case_id, "redo", {"reason": "still noisy"})
    assert case["status"] == "redo" and case["round"] == 2
    assert case["deadline"]["rule"].startswith("5 working days from redo on 2026-09-28")

    case = api.act(case_id, "reply", {"content": "fixed again", "outcome": "resolved"}, HANDLER_U1)
    case = api.act(case_id, "revisit", {"satisfied": False, "reply_matches_facts": True, "note": "", "satisfaction": "very_unsatisfied"})
    case = api.act(case_id, "redo-attribution", {"unit_at_fault": True, "reason": "no real work"})
    assert "6(4)" in case["supervision"]["grounds"]
    case = api.act(case_id, "close", {})
    assert case["status"] == "closed" and case["allowed_actions"] == []

    history = api.get(f"/v1/cases/{case_id}/history").json()["items"]
    assert [e["type"] for e in history][:3] == ["Accepted", "Dispatched", "Signed"]
    assert history[-1]["type"] == "Closed" and history[-1]["version"] == case["version"]
    assert [e["position"] for e in history] == sorted(e["position"] for e in history)
    assert history[1]["actor"] == {"staff": "center-1", "unit": "C", "roles": ["center"]}


def test_return_decision_and_redispatch(api: Api) -> None:
    case_id = api.new_case()["id"]
    api.act(case_id, "dispatch", {"lead_unit": "U1"})
    case = api.act(case_id, "return-dispatch", {"reason": "not ours"}, HANDLER_U1)
    assert case["status"] == "accepted" and "return-decision" in case["allowed_actions"]
    case = api.act(case_id, "returns/1/decision", {"accepted": False, "reason": "it is yours"})
    assert case["status"] == "dispatched" and case["returns"][0]["decision"]["granted"] is False
    case = api.act(case_id, "return-dispatch", {"reason": "really not ours"}, HANDLER_U1)
    case = api.act(case_id, "dispatch", {"lead_unit": "U3"})
    assert case["round"] == 2 and case["lead_unit"] == "U3"
    assert case["returns"][1]["decision"]["granted"] is True
    assert api.get(f"/v1/cases/{case_id}", HANDLER_U1).status_code == 200  # was dispatched to it once
    assert api.post(f"/v1/cases/{case_id}/sign", {}, HANDLER_U1).status_code == 403  # not with it now


def test_emergency_response(api: Api) -> None:
    case_id = api.new_case(urgency="emergency")["id"]
    case = api.act(case_id, "dispatch", {"lead_unit": "U1", "response_hours": 4})
    assert case["deadline"]["due_at"] == "2026-09-28T13:00:00+08:00"
    assert "4 hours" in case["deadline"]["response_rule"]
    case = api.act(case_id, "respond", {"note": "team on site"}, HANDLER_U1)
    assert case["response_deadline"]["responded_at"] == "2026-09-28T09:00:00+08:00"


def test_justification_decision(api: Api) -> None:
    case_id = api.new_case()["id"]
    api.act(case_id, "dispatch", {"lead_unit": "U1"})
    api.act(case_id, "justifications", {"reason": "court ruling awaited"}, HANDLER_U1)
    case = api.act(case_id, "justifications/1/decision", {"accepted": True, "reason": "fair"})
    assert case["justifications"][0]["decision"]["granted"] is True
    moved = api.move_clock(datetime(2026, 10, 24, tzinfo=TZ))  # lapsed 10-11; the 11(1) mark passed 10-24
    overdue = api.get("/v1/cases", params={"overdue": "true", "min_position": moved["position"]}).json()["items"]
    assert [c["id"] for c in overdue] == [case_id]  # still overdue: a justification excuses, it does not undo the lapse
    tallied = api.hotline.store.positioned_events(tally_id("U1", "2026-10"))
    (noted,) = [e for _, e in tallied if type(e).__name__ == "FactNoted"]
    assert noted.fact.justified and noted.fact.due_date.isoformat() == "2026-10-10"  # not counted for Art. 11(2)


def test_state_now_at_a_version_and_as_of_an_instant(api: Api) -> None:
    case_id = api.new_case()["id"]
    api.move_clock(datetime(2026, 9, 28, 10, tzinfo=TZ))
    api.act(case_id, "dispatch", {"lead_unit": "U1"})
    assert api.get(f"/v1/cases/{case_id}?version=1").json()["status"] == "accepted"
    assert api.get(f"/v1/cases/{case_id}", params={"as_of": "2026-09-28T09:30:00+08:00"}).json()["status"] == "accepted"
    assert api.get(f"/v1/cases/{case_id}", params={"as_of": "2026-09-28T10:00:00+08:00"}).json()["status"] == "dispatched"
    both = api.get(f"/v1/cases/{case_id}", params={"as_of": "2026-09-28T10:00:00+08:00", "version": 1})
    assert both.status_code == 422 and both.json()["errors"][0]["field"] == "as_of"
    assert api.get(f"/v1/cases/{case_id}?version=9").status_code == 404
    naive = api.get(f"/v1/cases/{case_id}", params={"as_of": "2026-09-28T10:00:00"})
    assert naive.status_code == 422 and naive.json()["errors"][0]["field"] == "as_of"


def test_lapse_overdue_and_6_3_through_the_clock(api: Api) -> None:
    case_id = api.new_case()["id"]
    api.act(case_id, "dispatch", {"lead_unit": "U1"})
    moved = api.move_clock(datetime(2026, 10, 10, 23, 59, tzinfo=TZ))
    assert moved["recorded"] == 0 and not api.get(f"/v1/cases/{case_id}").json()["overdue"]
    moved = api.move_clock(datetime(2026, 10, 11, 0, 0, tzinfo=TZ))
    assert moved == {"now": "2026-10-11T00:00:00+08:00", "recorded": 1, "position": moved["position"]}
    case = api.get(f"/v1/cases/{case_id}?min_position={moved['position']}").json()
    assert case["overdue"] and case["deadline"]["lapsed_at"] == "2026-10-11T00:00:00+08:00"
    assert case["supervision"]["grounds"] == ["6(3)"]
    listed = api.get("/v1/cases", params={"overdue": "true", "min_position": moved["position"]}).json()["items"]
    assert [i["id"] for i in listed] == [case_id]
    assert api.get("/v1/cases", params={"overdue": "false"}).json()["items"] == []


def test_the_list_filters_and_pages(api: Api) -> None:
    ids = [api.new_case(summary=f"case {i}")["id"] for i in range(5)]
    api.act(ids[0], "dispatch", {"lead_unit": "U1"})
    api.act(ids[1], "dispatch", {"lead_unit": "U2", "co_units": ["U1"]})
    api.act(ids[2], "dispatch", {"lead_unit": "U3"})
    page = api.fresh("/v1/cases", page_size=2).json()
    assert len(page["items"]) == 2 and page["next_page_token"]
    rest = api.get("/v1/cases", params={"page_size": 10, "page_token": page["next_page_token"]}).json()
    assert [i["id"] for i in page["items"] + rest["items"]] == list(reversed(ids))
    mine = api.fresh("/v1/cases", HANDLER_U1).json()["items"]
    assert {i["id"] for i in mine} == {ids[0], ids[1]}
    assert api.get("/v1/cases", HANDLER_U1, params={"unit": "U2"}).status_code == 403
    dispatched = api.get("/v1/cases", params={"status": "dispatched", "unit": "U3"}).json()["items"]
    assert [i["id"] for i in dispatched] == [ids[2]]
    assert len(api.get("/v1/cases", params={"month": "2026-09"}).json()["items"]) == 5
    assert api.get("/v1/cases", params={"month": "2026-13"}).json()["errors"][0]["field"] == "month"
    bad = api.get("/v1/cases", params={"page_token": "garbage"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "page_token"
    assert api.get("/v1/cases", params={"page_size": 501}).status_code == 422


def test_requester_data_is_masked_by_role_everywhere(api: Api) -> None:
    case_id = api.new_case()["id"]
    api.act(case_id, "dispatch", {"lead_unit": "U1"})
    for who in (HANDLER_U1, "city_gov", "auditor", "discipline"):
        seen = api.get(f"/v1/cases/{case_id}", who).json()["requester"]
        assert seen["name"] == "张*" and seen["phone"] == "138****5678" and seen["address"] == "江西省赣州市****"
        history = api.get(f"/v1/cases/{case_id}/history", who).json()["items"]
        assert history[0]["data"]["requester"]["phone"] == "138****5678"
        assert "13812345678" not in api.get(f"/v1/cases/{case_id}/history", who).text
    assert api.get(f"/v1/cases/{case_id}", "agent").json()["requester"]["phone"] == "13812345678"


def test_a_confidential_requester_is_shown_to_the_center_only(api: Api) -> None:
    case_id = api.new_case(confidential=True)["id"]
    assert api.get(f"/v1/cases/{case_id}", "center").json()["requester"]["name"] == "张三"
    assert api.get(f"/v1/cases/{case_id}", "agent").json()["requester"] is None
    api.act(case_id, "dispatch", {"lead_unit": "U1"})
    assert api.get(f"/v1/cases/{case_id}", HANDLER_U1).json()["requester"] is None
    assert api.get(f"/v1/cases/{case_id}/history", HANDLER_U1).json()["items"][0]["data"]["requester"] is None


def test_units_only_see_their_own_cases(api: Api) -> None:
    case_id = api.new_case()["id"]
    api.act(case_id, "dispatch", {"lead_unit": "U1"})
    for path in (f"/v1/cases/{case_id}", f"/v1/cases/{case_id}/history"):
        not_found = api.get(path, HANDLER_U3)
        assert not_found.status_code == 404
        assert not_found.headers["content-type"] == "application/problem+json"
    assert api.post(f"/v1/cases/{case_id}/sign", {}, HANDLER_U3).status_code == 404
    assert api.get(f"/v1/cases/{case_id}", HANDLER_U2).status_code == 404
    assert api.get("/v1/cases/not-a-uuid").status_code == 404


def test_forged_page_tokens_are_refused_everywhere(api: Api) -> None:
    import base64

    forged = base64.urlsafe_b64encode(b'["not a number", 7]').decode()
    for path, who in (("/v1/cases", "center"), ("/v1/findings", "center"), ("/v1/supervision/worklist", "center"), ("/v1/supervision/feedback", "center")):
        for token in ("garbage", forged, "WzFd"):  # WzFd is [1]: an offset, which no list takes any more (keyset pages)
            response = api.get(path, who, params={"page_token": token})
            assert response.status_code == 422, (path, token, response.text)
            assert response.json()["errors"][0]["field"] == "page_token"
