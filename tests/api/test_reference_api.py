"""Units, staff, calendar, policy, clock, health and the OpenAPI document over HTTP."""

from __future__ import annotations

from datetime import datetime

import pytest

from cases.calendar import TZ
from tests.api.conftest import HANDLER_U1, Api

pytestmark = pytest.mark.storage


def test_units_and_staff(api: Api) -> None:
    created = api.post("/v1/units", {"id": "U-ENV", "name": "市生态环境局", "kind": "member"}, "admin")
    assert created.status_code == 201 and created.json()["kind"] == "member" and created.json()["position"] > 0
    assert api.post("/v1/units", {"id": "U-ENV", "name": "again", "kind": "member"}, "admin").status_code == 409
    no_parent = api.post("/v1/units", {"id": "U-ENV-LAW", "name": "支队", "kind": "internal"}, "admin")
    assert no_parent.status_code == 422 and no_parent.json()["errors"][0]["field"] == "parent_id"
    bad_kind = api.post("/v1/units", {"id": "X", "name": "x", "kind": "ministry"}, "admin")
    assert bad_kind.status_code == 422 and "'center', 'member', 'non_member' or 'internal'" in bad_kind.json()["errors"][0]["message"]
    assert api.post("/v1/units", {"id": "U-ENV-LAW", "name": "支队", "kind": "internal", "parent_id": "U-ENV"}, "admin").status_code == 201
    staff = api.post("/v1/units/U-ENV/staff", {"id": "env-1", "name": "李四", "position": "副局长", "responsible_leader": True}, "admin")
    assert staff.status_code == 201 and staff.json()["unit_id"] == "U-ENV"
    assert api.post("/v1/units/NOPE/staff", {"id": "x", "name": "x"}, "admin").status_code == 404
    assert api.post("/v1/units", {"id": "Y", "name": "y", "kind": "member"}, "center").status_code == 403
    unit = api.fresh("/v1/units/U-ENV", HANDLER_U1).json()
    assert unit["staff"][0]["id"] == "env-1" and unit["staff"][0]["responsible_leader"] is True
    ids = [u["id"] for u in api.fresh("/v1/units").json()["items"]]
    assert {"U-ENV", "U-ENV-LAW", "U1"} <= set(ids)
    assert api.get("/v1/units/NOPE").status_code == 404


def test_the_calendar_can_be_read_and_amended(api: Api) -> None:
    year = api.get("/v1/calendar/2026").json()
    assert year["source"] == "state_council" and not year["provisional"]
    assert "2026-10-01" in year["holidays"] and "2026-10-10" in year["workdays"]
    fallback = api.get("/v1/calendar/2027").json()
    assert fallback["source"] == "statutory_fallback" and fallback["provisional"]
    published = api.put("/v1/calendar/2027", {"holidays": ["2027-10-04"], "workdays": ["2027-09-26"], "reason": "published"})
    assert published.status_code == 200, published.text
    body = published.json()
    assert body["amendment"]["kind"] == "state_council" and body["provisional"] is False
    assert body["holidays"] == ["2027-10-04"] and body["workdays"] == ["2027-09-26"]
    wrong_year = api.put("/v1/calendar/2026", {"holidays": ["2027-01-04"]})
    assert wrong_year.status_code == 422 and wrong_year.json()["errors"][0]["field"] == "holidays[0]"
    assert api.put("/v1/calendar/2026", {"holidays": []}, "center").status_code == 403
    assert api.get("/v1/calendar/1999").status_code == 422


def test_an_amendment_recomputes_open_deadlines(api: Api) -> None:
    case_id = api.new_case()["id"]
    api.move_clock(datetime(2026, 9, 30, 10, tzinfo=TZ))
    api.act(case_id, "dispatch", {"lead_unit": "U1", "working_days": 2})
    assert api.get(f"/v1/cases/{case_id}").json()["deadline"]["due_date"] == "2026-10-09"
    amended = api.put("/v1/calendar/2026", {"holidays": ["2026-10-09"], "kind": "local", "reason": "typhoon"}).json()
    assert amended["recomputed_cases"] == [case_id]
    deadline = api.get(f"/v1/cases/{case_id}").json()["deadline"]
    assert deadline["due_date"] == "2026-10-10" and deadline["calendar_version"] == amended["version"]


def test_the_deadline_policy(api: Api) -> None:
    policy = {"default_working_days": 7, "categories": {"roads": {"working_days": 3, "emergency_response_hours": 1}}}
    assert api.put("/v1/policy/deadlines", policy).status_code == 200
    assert api.fresh("/v1/policy/deadlines").json()["categories"]["roads"]["working_days"] == 3
    bad = api.put("/v1/policy/deadlines", {"default_working_days": 0})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "default_working_days"
    case_id = api.new_case(category="roads")["id"]
    assert api.act(case_id, "dispatch", {"lead_unit": "U1"})["deadline"]["working_days"] == 3
    other = api.new_case(category="unlisted")["id"]
    assert api.act(other, "dispatch", {"lead_unit": "U1"})["deadline"]["working_days"] == 7


def test_the_simulated_clock_only_moves_forward_and_only_for_admins(api: Api) -> None:
    assert api.move_clock(datetime(2026, 10, 1, tzinfo=TZ))["now"] == "2026-10-01T00:00:00+08:00"
    backwards = api.put("/v1/admin/clock", {"now": "2026-09-30T00:00:00+08:00"})
    assert backwards.status_code == 409
    assert api.put("/v1/admin/clock", {"now": "2026-10-02T00:00:00+08:00"}, "center").status_code == 403
    naive = api.put("/v1/admin/clock", {"now": "2026-10-02T00:00:00"})
    assert naive.status_code == 422 and naive.json()["errors"][0]["field"] == "now"
    assert api.get("/v1/admin/clock", "admin").json()["mode"] == "manual"


def test_health_and_openapi(api: Api) -> None:
    health = api.client.get("/health").json()
    assert health["status"] == "ok"
    assert [f["name"] for f in health["followers"]] == ["rules", "case_index", "findings_list", "scorecards", "spot_checks", "audit_tree"]
    assert all({"position", "lag", "stage"} <= set(f) for f in health["followers"])
    document = api.client.get("/openapi.json").json()
    for path in ("/v1/cases", "/v1/cases/{case_id}", "/v1/cases/{case_id}/history", "/v1/cases/{case_id}/dispatch",
                 "/v1/cases/{case_id}/urgings", "/v1/units", "/v1/calendar/{year}", "/v1/policy/deadlines", "/v1/admin/clock",
                 "/v1/supervision/worklist", "/health"):
        assert path in document["paths"], path
    accept = document["paths"]["/v1/cases"]["post"]
    assert accept["operationId"] == "accept_case"
    assert document["components"]["schemas"]["CaseIn"]["examples"][0]["requester"]["phone"]
