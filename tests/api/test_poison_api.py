"""Poison input (issue 9, defect 2): control characters are refused in every text field with 422
naming the field, and a read model writes whatever text an event carries in a form its store holds."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.conftest import HANDLER_U1, LEADER_U1, Api
from tests.builders import AGENT, REQUESTER
from tests.world import ctx

pytestmark = pytest.mark.storage

CASE = {"channel": "phone", "category": "c", "summary": "s", "content": "c", "requester": {"name": "n", "phone": "13812345678"}}


def with_field(body: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    out = {**body, "requester": dict(body.get("requester", {}))} if "requester" in body else dict(body)
    target = out
    *parents, last = path.split(".")
    for part in parents:
        target = target[part]
    target[last] = value
    return out


@pytest.mark.parametrize("char", ["\u0000", "\u0007", "\u001b", "\u007f", "\u0085"])
@pytest.mark.parametrize("field", ["summary", "content", "channel", "category", "requester.name", "requester.address"])
def test_case_text_with_a_control_character_is_422_naming_the_field(api: Api, field: str, char: str) -> None:
    head = api.hotline.store.head()
    response = api.post("/v1/cases", with_field(CASE, field, f"a{char}b"), "agent")
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == [field]
    assert f"U+{ord(char):04X}" in response.json()["errors"][0]["message"]
    assert api.hotline.store.head() == head


def test_tab_newline_and_carriage_return_are_text(api: Api) -> None:
    body = with_field(CASE, "content", "第一行\r\n第二行\t缩进")
    created = api.post("/v1/cases", body, "agent")
    assert created.status_code == 201, created.text
    assert created.json()["content"] == "第一行\r\n第二行\t缩进"


@pytest.mark.parametrize(
    ("action", "body", "field", "who"),
    [
        ("dispatch", {"lead_unit": "U1\u0000"}, "lead_unit", "center"),
        ("dispatch", {"lead_unit": "U1", "co_units": ["U2", "U3\u0000"]}, "co_units", "center"),
        ("supervision", {"ground": "6(5)", "reason": "x\u0000"}, "reason", "center"),
        ("urgings", {"method": "sms", "unit": "U1", "note": "\u0000"}, "note", "center"),
        ("return-dispatch", {"reason": "not ours\u0000"}, "reason", HANDLER_U1),
    ],
)
def test_every_action_refuses_control_characters(api: Api, action: str, body: Any, field: str, who: Any) -> None:
    case_id = api.new_case()["id"]
    if action == "return-dispatch":
        api.act(case_id, "dispatch", {"lead_unit": "U1"})
    head = api.hotline.store.head()
    response = api.post(f"/v1/cases/{case_id}/{action}", body, who)
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == [field]
    assert api.hotline.store.head() == head


def test_a_finding_description_with_nul_is_422(api: Api) -> None:
    case_id = api.new_case()["id"]
    api.act(case_id, "dispatch", {"lead_unit": "U1"})
    body = {"clause": "11(7)", "subject": {"unit": "U1"}, "basis": [{"case_id": case_id, "version": 1}], "description": "a\u0000b"}
    response = api.post("/v1/findings", body, LEADER_U1)
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "description"


def test_reference_data_refuses_control_characters(api: Api) -> None:
    unit = api.post("/v1/units", {"id": "U9", "name": "bad\u0000name", "kind": "member"}, "admin")
    assert unit.status_code == 422 and unit.json()["errors"][0]["field"] == "name"
    policy = api.put("/v1/policy/deadlines", {"default_working_days": 5, "categories": {"wa\u0000ter": {"working_days": 3}}})
    assert policy.status_code == 422 and policy.json()["errors"][0]["field"] == "categories"
    calendar = api.put("/v1/calendar/2026", {"holidays": [], "workdays": [], "reason": "\u0001"})
    assert calendar.status_code == 422 and calendar.json()["errors"][0]["field"] == "reason"


def test_query_and_path_parameters_refuse_control_characters(api: Api) -> None:
    response = api.get("/v1/cases", params={"unit": "U1\u0000"})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "unit"
    assert api.get("/v1/findings", params={"staff": "x\u0000"}).json()["errors"][0]["field"] == "staff"
    assert api.get("/v1/units/U1%00").status_code == 422


def test_a_case_whose_text_the_store_cannot_hold_still_reaches_the_read_models(api: Api) -> None:
    """Defence in depth: an event already carrying NUL (recorded before the API refused it) is listed."""
    recorded = api.hotline.cases.accept(
        channel="phone", category="c", summary="a\u0000b", content="c\u0000", urgency="normal",
        requester=REQUESTER, confidential=False, ctx=ctx(AGENT),
    )
    listed = api.fresh("/v1/cases")
    assert listed.status_code == 200, listed.text
    item = next(i for i in listed.json()["items"] if i["id"] == str(recorded.aggregate.id))
    assert item["summary"] == "a\ufffdb"
    assert api.get(f"/v1/cases/{recorded.aggregate.id}").json()["summary"] == "a\u0000b"  # the log keeps what was said
    assert all(f["error"] is None for f in api.client.get("/health").json()["followers"])
