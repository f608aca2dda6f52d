"""Every command route, sent twice with one ``Idempotency-Key``, answers the same bytes and records once.

The routes come from the app's own route table: a new command route without a recipe here fails
the test. Each recipe brings a case or finding to where the command is allowed, then the command
is sent twice with the same key and body.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.api.conftest import HANDLER_U1, LEADER_U1, Api, token, unit

pytestmark = pytest.mark.storage

HANDLER_U2 = unit("unit_handler", "U2")
HANDLER_N1 = unit("unit_handler", "N1")
Who = str | dict[str, str]
Request = tuple[str, dict[str, Any], Who]


def case(api: Api, *steps: tuple[str, dict[str, Any], Who], **fields: Any) -> str:
    case_id = api.new_case(**fields)["id"]
    for action, body, who in steps:
        api.act(case_id, action, body, who)
    return case_id


DISPATCH = ("dispatch", {"lead_unit": "U1"}, "center")
JOINT = ("dispatch", {"lead_unit": "U1", "co_units": ["U2"]}, "center")
SIGN = ("sign", {}, HANDLER_U1)
REPLY = ("reply", {"content": "已处理", "outcome": "resolved"}, HANDLER_U1)
UNSATISFIED = ("revisit", {"satisfied": False, "reply_matches_facts": True}, "agent")
RETURNED = ("return-dispatch", {"reason": "非本单位职责"}, HANDLER_U1)
BUCK_PASSED = ("returns/1/decision", {"accepted": False, "reason": "属于该单位"}, "center")


def on_case(action: str, body: dict[str, Any], who: Who, *steps: tuple[str, dict[str, Any], Who], **fields: Any) -> Callable[[Api], Request]:
    def recipe(api: Api) -> Request:
        return f"/v1/cases/{case(api, *steps, **fields)}/{action}", body, who

    return recipe


def finding(api: Api, *decisions: tuple[str, dict[str, Any], Who]) -> str:
    case_id = case(api, DISPATCH)
    body = {"clause": "11(7)", "subject": {"unit": "U1"}, "basis": [{"case_id": case_id, "version": 2}], "description": "失职"}
    finding_id = api.post("/v1/findings", body).json()["id"]
    for action, decision, who in decisions:
        response = api.post(f"/v1/findings/{finding_id}/{action}", decision, who)
        assert response.status_code == 200, response.text
    return finding_id


def on_finding(action: str, body: dict[str, Any], who: Who, *decisions: tuple[str, dict[str, Any], Who]) -> Callable[[Api], Request]:
    def recipe(api: Api) -> Request:
        return f"/v1/findings/{finding(api, *decisions)}/{action}", body, who

    return recipe


CONFIRM = ("confirm", {"note": "属实"}, "center")
TALK = ("talks", {"kind": "reminder_talk", "note": "约谈"}, "center")
SANCTION = ("sanctions", {"measures": ["13(1)"], "responsibility": {"scope": "collective", "kind": "leadership"}}, "center")
APPEAL = ("appeals", {"grounds": "不服"}, LEADER_U1)


def calendar_with_an_open_deadline(api: Api) -> Request:
    case(api, ("dispatch", {"lead_unit": "U1", "working_days": 5}, "center"))
    return "/v1/calendar/2026", {"holidays": ["2026-09-30"], "reason": "防汛"}, "admin"


RECIPES: dict[tuple[str, str], Callable[[Api], Request]] = {
    ("POST", "/v1/units"): lambda api: ("/v1/units", {"id": "U9", "name": "新单位", "kind": "member"}, "admin"),
    ("POST", "/v1/units/{unit_id}/staff"): lambda api: ("/v1/units/U1/staff", {"id": "u1-new", "name": "新人"}, "admin"),
    ("PUT", "/v1/calendar/{year}"): calendar_with_an_open_deadline,
    ("PUT", "/v1/policy/deadlines"): lambda api: ("/v1/policy/deadlines", {"default_working_days": 6}, "admin"),
    ("PUT", "/v1/admin/clock"): lambda api: ("/v1/admin/clock", {"now": "2026-10-12T00:00:00+08:00"}, "admin"),
    ("POST", "/v1/cases"): lambda api: ("/v1/cases", api.case_body(), "agent"),
    ("POST", "/v1/cases/{case_id}/dispatch"): on_case("dispatch", {"lead_unit": "U1", "co_units": ["U2"]}, "center"),
    ("POST", "/v1/cases/{case_id}/sign"): on_case("sign", {}, HANDLER_U1, DISPATCH),
    ("POST", "/v1/cases/{case_id}/return-dispatch"): on_case("return-dispatch", {"reason": "非本单位"}, HANDLER_U1, DISPATCH),
    ("POST", "/v1/cases/{case_id}/returns/{n}/decision"): on_case("returns/1/decision", {"accepted": False, "reason": "属于"}, "center", DISPATCH, RETURNED),
    ("POST", "/v1/cases/{case_id}/respond"): on_case("respond", {"note": "已出发"}, HANDLER_U1, DISPATCH, urgency="emergency"),
    ("POST", "/v1/cases/{case_id}/extension-requests"): on_case("extension-requests", {"working_days": 2, "reason": "协调"}, HANDLER_U1, DISPATCH, SIGN),
    ("POST", "/v1/cases/{case_id}/extension-requests/{n}/decision"): on_case(
        "extension-requests/1/decision", {"approved": True}, "center", DISPATCH, SIGN, ("extension-requests", {"working_days": 2, "reason": "协调"}, HANDLER_U1)
    ),
    ("POST", "/v1/cases/{case_id}/justifications"): on_case("justifications", {"reason": "涉诉"}, HANDLER_U1, DISPATCH, SIGN),
    ("POST", "/v1/cases/{case_id}/justifications/{n}/decision"): on_case(
        "justifications/1/decision", {"accepted": True}, "center", DISPATCH, SIGN, ("justifications", {"reason": "涉诉"}, HANDLER_U1)
    ),
    ("POST", "/v1/cases/{case_id}/urgings"): on_case("urgings", {"method": "sms", "unit": "U1"}, "center", DISPATCH, SIGN),
    ("POST", "/v1/cases/{case_id}/supervision"): on_case("supervision", {"ground": "6(5)", "reason": "媒体关注"}, "center", DISPATCH),
    ("POST", "/v1/cases/{case_id}/rectification-proposals"): on_case(
        "rectification-proposals", {"unit": "U1", "proposal": "整改"}, "center", DISPATCH, RETURNED, BUCK_PASSED
    ),
    ("POST", "/v1/cases/{case_id}/rectification-proposals/{n}/refusal"): on_case(
        "rectification-proposals/1/refusal", {"note": "拒不落实"}, "center", DISPATCH, RETURNED, BUCK_PASSED,
        ("rectification-proposals", {"unit": "U1", "proposal": "整改"}, "center"),
    ),
    ("POST", "/v1/cases/{case_id}/escalations"): on_case(
        "escalations", {"reason": "报市政府"}, "center", DISPATCH, RETURNED, BUCK_PASSED,
        ("rectification-proposals", {"unit": "U1", "proposal": "整改"}, "center"), ("rectification-proposals/1/refusal", {"note": "拒绝"}, "center"),
    ),
    ("POST", "/v1/cases/{case_id}/tracking"): on_case(
        "tracking", {"note": "跟踪"}, "city_gov", DISPATCH, RETURNED, BUCK_PASSED,
        ("rectification-proposals", {"unit": "U1", "proposal": "整改"}, "center"), ("rectification-proposals/1/refusal", {"note": "拒绝"}, "center"),
        ("escalations", {"reason": "报市政府"}, "center"),
    ),
    ("POST", "/v1/cases/{case_id}/contributions"): on_case("contributions", {"note": "已配合"}, HANDLER_U2, JOINT),
    ("POST", "/v1/cases/{case_id}/cooperation-issues"): on_case("cooperation-issues", {"unit": "U2", "note": "未到场"}, HANDLER_U1, JOINT),
    ("POST", "/v1/cases/{case_id}/superior-feedback"): on_case(
        "superior-feedback", {"note": "督办结果"}, "center", ("dispatch", {"lead_unit": "N1"}, "center"),
        ("urgings", {"method": "phone", "unit": "N1"}, "center"),
    ),
    ("POST", "/v1/cases/{case_id}/reply"): on_case("reply", {"content": "已处理", "outcome": "resolved"}, HANDLER_U1, DISPATCH, SIGN),
    ("POST", "/v1/cases/{case_id}/revisit"): on_case("revisit", {"satisfied": True, "reply_matches_facts": True}, "agent", DISPATCH, SIGN, REPLY),
    ("POST", "/v1/cases/{case_id}/redo"): on_case("redo", {"reason": "不满意"}, "center", DISPATCH, SIGN, REPLY, UNSATISFIED),
    ("POST", "/v1/cases/{case_id}/redo-attribution"): on_case(
        "redo-attribution", {"unit_at_fault": True, "reason": "未实质处理"}, "center", DISPATCH, SIGN, REPLY, UNSATISFIED,
        ("redo", {"reason": "不满意"}, "center"), REPLY, UNSATISFIED,
    ),
    ("POST", "/v1/cases/{case_id}/close"): on_case("close", {}, "center"),
    ("POST", "/v1/findings"): lambda api: (
        "/v1/findings",
        {"clause": "11(7)", "subject": {"unit": "U1"}, "basis": [{"case_id": case(api, DISPATCH), "version": 2}], "description": "失职"},
        "center",
    ),
    ("POST", "/v1/findings/{finding_id}/confirm"): on_finding("confirm", {"note": "属实"}, "center"),
    ("POST", "/v1/findings/{finding_id}/dismiss"): on_finding("dismiss", {"reason": "不成立"}, "center"),
    ("POST", "/v1/findings/{finding_id}/mitigations"): on_finding("mitigations", {"ground": "12(2)", "effect": "lighten", "reason": "主动纠正"}, "center", CONFIRM),
    ("POST", "/v1/findings/{finding_id}/talks"): on_finding("talks", {"kind": "written_inquiry", "note": "函询"}, "center"),
    ("POST", "/v1/findings/{finding_id}/sanctions"): on_finding(*SANCTION, CONFIRM, TALK),
    ("POST", "/v1/findings/{finding_id}/referrals"): on_finding("referrals", {"to": "discipline", "reason": "违纪"}, "center", CONFIRM),
    ("POST", "/v1/findings/{finding_id}/appeals"): on_finding(*APPEAL, CONFIRM, TALK, SANCTION),
    ("POST", "/v1/spot-checks"): lambda api: ("/v1/spot-checks", {"size": 2, "seed": 7, "unit": "U1"}, "city_gov"),
    ("PUT", "/v1/policy/assessment"): lambda api: (
        "/v1/policy/assessment",
        {"signed_on_time": 0.2, "replied_on_time": 0.3, "satisfaction": 0.3, "no_redo": 0.1, "supervision_met": 0.1},
        "admin",
    ),
    ("POST", "/v1/findings/{finding_id}/appeals/{n}/decision"): on_finding(
        "appeals/1/decision", {"outcome": "upheld", "reason": "维持"}, "city_gov", CONFIRM, TALK, SANCTION, APPEAL
    ),
}


def command_routes() -> set[tuple[str, str]]:
    """Every route that changes something, from the served route table (its OpenAPI document)."""
    from hotline.web import create_app

    paths = create_app().openapi()["paths"]
    return {(method.upper(), path) for path, operations in paths.items() for method in operations if method in ("post", "put", "patch", "delete")}


NOT_COMMANDS = {
    ("POST", "/v1/audit/heads"): "signs the tree as it stands (a head beside the log, not an event); every call is a new head",
}


def test_every_command_route_has_a_recipe() -> None:
    assert command_routes() == set(RECIPES) | set(NOT_COMMANDS)


@pytest.mark.parametrize("route", sorted(RECIPES), ids=lambda route: f"{route[0]} {route[1]}")
def test_a_repeat_with_the_same_key_answers_the_same_bytes_and_records_nothing(api: Api, route: tuple[str, str]) -> None:
    method, _ = route
    path, body, who = RECIPES[route](api)
    headers = {**api.headers(who), "Idempotency-Key": "repeat-1"}
    send = api.client.put if method == "PUT" else api.client.post
    first = send(path, json=body, headers=headers)
    assert first.status_code in (200, 201), first.text
    head = api.hotline.store.head()
    again = send(path, json=body, headers=headers)
    assert again.status_code == first.status_code
    assert again.content == first.content
    assert again.headers["Idempotent-Replayed"] == "true" and again.headers.get("ETag") == first.headers.get("ETag")
    assert api.hotline.store.head() == head
    other = send(path, json={**body, "extra_field_to_differ": 1} if body else {"x": 1}, headers=headers)
    assert other.status_code == 422 and api.hotline.store.head() == head


def test_a_repeated_calendar_amendment_answers_what_the_first_one_did(api: Api) -> None:
    """The repeat answers the calendar version and the recounted cases of the first answer, not today's."""
    path, body, who = calendar_with_an_open_deadline(api)
    headers = {**api.headers(who), "Idempotency-Key": "cal-1"}
    first = api.client.put(path, json=body, headers=headers).json()
    assert first["recomputed_cases"] and "2026-09-30" in first["holidays"]
    api.put(path, {"holidays": ["2026-12-31"], "reason": "再次修订"})
    again = api.client.put(path, json=body, headers=headers).json()
    assert again == first and again["calendar_version"] == first["calendar_version"]


def test_one_principal_cannot_replay_anothers_key(api: Api) -> None:
    case_id = case(api)
    body = {"lead_unit": "U1"}
    first = api.client.post(f"/v1/cases/{case_id}/dispatch", json=body, headers={**api.headers("center"), "Idempotency-Key": "k"})
    other = api.client.post(f"/v1/cases/{case_id}/dispatch", json=body, headers={**token("center", "C", sub="center-2"), "Idempotency-Key": "k"})
    assert first.status_code == 200 and other.status_code == 409  # keys are per principal: this one is a new request
