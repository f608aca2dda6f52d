"""Refusals over HTTP: 401, 403, 404, 409 naming allowed actions, 412, 413, 422 naming the field, 503.

Every refused command must record nothing: the head of the log does not move.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tests.api.conftest import HANDLER_U1, HANDLER_U2, Api, token

pytestmark = pytest.mark.storage


def dispatched(api: Api, **overrides: Any) -> str:
    case_id = api.new_case(**overrides)["id"]
    api.act(case_id, "dispatch", {"lead_unit": "U1", "co_units": ["U2"]})
    return case_id


def refused(api: Api, response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status and body["type"].startswith("/problems/") and body["title"] and body["detail"]
    return body


@pytest.mark.parametrize(
    ("action", "body", "who"),
    [
        ("reply", {"content": "x", "outcome": "resolved"}, HANDLER_U1),  # not signed yet
        ("revisit", {"satisfied": True, "reply_matches_facts": True}, "agent"),
        ("redo", {"reason": "x"}, "center"),
        ("close", {}, "center"),
        ("dispatch", {"lead_unit": "U1"}, "center"),
        ("redo-attribution", {"unit_at_fault": True, "reason": "x"}, "center"),
        ("respond", {"note": "x"}, HANDLER_U1),  # not an emergency
        ("escalations", {"reason": "x"}, "center"),
        ("tracking", {"note": "x"}, "city_gov"),
        ("extension-requests/1/decision", {"approved": True}, "center"),
    ],
)
def test_an_action_in_the_wrong_state_is_409_naming_the_allowed_actions(api: Api, action: str, body: Any, who: Any) -> None:
    case_id = dispatched(api)
    head = api.hotline.store.head()
    problem = refused(api, api.post(f"/v1/cases/{case_id}/{action}", body, who), 409)
    assert problem["state"] == "case is dispatched"
    assert problem["allowed_actions"] == [
        "contributions", "cooperation-issues", "extension-requests", "justifications",
        "return-dispatch", "sign", "supervision", "urgings",
    ]
    assert "allowed now:" in problem["detail"]
    assert api.hotline.store.head() == head


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/v1/cases", {"channel": "phone"}, "category"),
        ("/v1/cases", {"channel": "phone", "category": "c", "summary": "s", "content": "c", "urgency": "asap", "requester": {"name": "n", "phone": "13812345678"}}, "urgency"),
        ("/v1/cases", {"channel": "phone", "category": "c", "summary": "s", "content": "c", "requester": {"name": "n", "phone": "call me"}}, "requester.phone"),
        ("/v1/cases", {"channel": "phone", "category": "c", "summary": "s", "content": "c", "requester": {"name": "n", "phone": "13812345678"}, "flags": ["vip"]}, "flags[0]"),
        ("/v1/cases", {"channel": "phone", "category": "c", "summary": "s", "content": "c", "requester": {"name": "n", "phone": "13812345678"}, "colour": "red"}, "colour"),
    ],
)
def test_bad_case_input_is_422_naming_the_field(api: Api, path: str, body: Any, field: str) -> None:
    head = api.hotline.store.head()
    problem = refused(api, api.post(path, body, "agent"), 422)
    assert field in [e["field"] for e in problem["errors"]]
    assert api.hotline.store.head() == head


@pytest.mark.parametrize(
    ("action", "body", "field", "who"),
    [
        ("dispatch", {"lead_unit": "NOPE"}, "lead_unit", "center"),
        ("dispatch", {"lead_unit": "C"}, "lead_unit", "center"),
        ("dispatch", {"lead_unit": "U1", "co_units": ["U1"]}, "co_units[0]", "center"),
        ("dispatch", {"lead_unit": "U1", "working_days": 0}, "working_days", "center"),
        ("dispatch", {"lead_unit": "U1", "response_hours": 2}, "response_hours", "center"),
        ("dispatch", {}, "lead_unit", "center"),
    ],
)
def test_bad_dispatch_is_422_naming_the_field(api: Api, action: str, body: Any, field: str, who: str) -> None:
    case_id = api.new_case()["id"]
    head = api.hotline.store.head()
    problem = refused(api, api.post(f"/v1/cases/{case_id}/{action}", body, who), 422)
    assert [e["field"] for e in problem["errors"]] == [field]
    assert api.hotline.store.head() == head


def test_malformed_json_is_400(api: Api) -> None:
    response = api.client.post("/v1/cases", content=b"{not json", headers={**token("agent"), "content-type": "application/json"})
    refused(api, response, 400)


@pytest.mark.parametrize(
    ("action", "body", "who"),
    [
        ("dispatch", {"lead_unit": "U1"}, HANDLER_U1),
        ("dispatch", {"lead_unit": "U1"}, "agent"),
        ("sign", {}, "center"),
        ("reply", {"content": "x", "outcome": "resolved"}, "center"),
        ("urgings", {"method": "sms", "unit": "U1"}, "agent"),
        ("urgings", {"method": "sms", "unit": "U1"}, HANDLER_U1),
        ("close", {}, "admin"),
        ("revisit", {"satisfied": True, "reply_matches_facts": True}, HANDLER_U1),
        ("tracking", {"note": "x"}, "center"),
        ("escalations", {"reason": "x"}, "city_gov"),
    ],
)
def test_a_role_that_may_not_act_gets_403(api: Api, action: str, body: Any, who: Any) -> None:
    case_id = dispatched(api)
    head = api.hotline.store.head()
    refused(api, api.post(f"/v1/cases/{case_id}/{action}", body, who), 403)
    assert api.hotline.store.head() == head


def test_accepting_is_for_agents_and_the_center(api: Api) -> None:
    body = {"channel": "phone", "category": "c", "summary": "s", "content": "c", "requester": {"name": "n", "phone": "13812345678"}}
    for who in (HANDLER_U1, "city_gov", "auditor", "admin", "discipline"):
        refused(api, api.post("/v1/cases", body, who), 403)
    assert api.post("/v1/cases", body, "center").status_code == 201


def test_a_co_unit_may_not_do_what_only_the_lead_does(api: Api) -> None:
    case_id = dispatched(api)
    api.act(case_id, "sign", {}, HANDLER_U1)
    refused(api, api.post(f"/v1/cases/{case_id}/reply", {"content": "x", "outcome": "resolved"}, HANDLER_U2), 403)
    refused(api, api.post(f"/v1/cases/{case_id}/return-dispatch", {"reason": "x"}, HANDLER_U2), 403)
    refused(api, api.post(f"/v1/cases/{case_id}/contributions", {"note": "x"}, HANDLER_U1), 403)


def test_authentication_failures_are_401(api: Api) -> None:
    assert refused(api, api.client.get("/v1/cases"), 401)["type"] == "/problems/unauthorized"
    assert api.client.get("/v1/cases", headers={"Authorization": "Bearer nonsense"}).status_code == 401
    expired = token("center", ttl=timedelta(seconds=-5))
    assert "expired" in refused(api, api.client.get("/v1/cases", headers=expired), 401)["detail"]
    from api.auth import issue_token
    from cases.calendar import TZ
    from datetime import datetime

    forged = issue_token("another-secret-" + "y" * 40, sub="x", unit="C", roles=["center"], now=datetime.now(TZ), ttl=timedelta(hours=1))
    assert api.client.get("/v1/cases", headers={"Authorization": f"Bearer {forged}"}).status_code == 401


def test_if_match_guards_against_lost_updates(api: Api) -> None:
    case_id = dispatched(api)
    version = api.get(f"/v1/cases/{case_id}").json()["version"]
    stale = api.post(f"/v1/cases/{case_id}/sign", {}, HANDLER_U1, headers={"If-Match": f'"{version - 1}"'})
    problem = refused(api, stale, 412)
    assert problem["current_version"] == version and stale.headers["etag"] == f'"{version}"'
    fresh = api.post(f"/v1/cases/{case_id}/sign", {}, HANDLER_U1, headers={"If-Match": f'"{version}"'})
    assert fresh.status_code == 200 and fresh.headers["etag"] == f'"{version + 1}"'
    bad = api.post(f"/v1/cases/{case_id}/sign", {}, HANDLER_U2, headers={"If-Match": "yesterday"})
    assert refused(api, bad, 422)["errors"][0]["field"] == "If-Match"


def test_idempotency_key_replays_the_first_answer_and_records_nothing(api: Api) -> None:
    case_id = api.new_case()["id"]
    key = {"Idempotency-Key": "dispatch-1"}
    first = api.post(f"/v1/cases/{case_id}/dispatch", {"lead_unit": "U1"}, headers=key)
    head = api.hotline.store.head()
    again = api.post(f"/v1/cases/{case_id}/dispatch", {"lead_unit": "U1"}, headers=key)
    assert again.status_code == 200 and again.json() == first.json()
    assert again.headers["etag"] == first.headers["etag"] and again.headers["idempotent-replayed"] == "true"
    assert api.hotline.store.head() == head
    other = api.post(f"/v1/cases/{case_id}/dispatch", {"lead_unit": "U2"}, headers=key)
    assert refused(api, other, 422)["errors"][0]["field"] == "Idempotency-Key"
    created = api.post("/v1/cases", {"channel": "web", "category": "c", "summary": "s", "content": "c", "requester": {"name": "n", "phone": "13812345678"}}, "agent", headers={"Idempotency-Key": "new-case"})
    replay = api.post("/v1/cases", {"content": "c", "summary": "s", "category": "c", "channel": "web", "requester": {"phone": "13812345678", "name": "n"}}, "agent", headers={"Idempotency-Key": "new-case"})
    assert replay.status_code == 201 and replay.json()["id"] == created.json()["id"]  # same body, other key order


def test_a_refused_command_does_not_consume_its_idempotency_key(api: Api) -> None:
    case_id = api.new_case()["id"]
    key = {"Idempotency-Key": "k"}
    assert api.post(f"/v1/cases/{case_id}/sign", {}, HANDLER_U1, headers=key).status_code in (404, 409)
    assert api.post(f"/v1/cases/{case_id}/dispatch", {"lead_unit": "U1"}, headers=key).status_code == 200


def test_bodies_over_one_mebibyte_are_413(api: Api) -> None:
    huge = b'{"summary": "' + b"x" * (1024 * 1024) + b'"}'
    response = api.client.post("/v1/cases", content=huge, headers={**token("agent"), "content-type": "application/json"})
    assert refused(api, response, 413)["type"] == "/problems/payload-too-large"


def test_min_position_beyond_the_log_is_503_with_retry_after(api: Api) -> None:
    api.hotline.settings = api.hotline.settings.model_copy(update={"wait_timeout": 0.2})
    response = api.get("/v1/cases", params={"min_position": api.hotline.store.head() + 100})
    assert refused(api, response, 503) and response.headers["retry-after"] == "1"
    assert api.get("/v1/cases", params={"min_position": -1}).status_code == 422


def test_unknown_paths_and_methods_are_problems(api: Api) -> None:
    refused(api, api.get("/v1/nothing-here"), 404)
    refused(api, api.client.delete("/v1/cases", headers=token("center")), 405)


def test_an_idempotency_key_survives_a_restart(settings: Any) -> None:
    from fastapi.testclient import TestClient

    from hotline.web import create_app
    from hotline.bootstrap import bootstrap
    from tests.world import seed_units

    body = {"channel": "web", "category": "c", "summary": "s", "content": "c", "requester": {"name": "n", "phone": "13812345678"}}
    first_life = bootstrap(settings)
    seed_units(first_life)
    with TestClient(create_app(hotline=first_life)) as client:
        first = client.post("/v1/cases", json=body, headers={**token("agent"), "Idempotency-Key": "once"})
    first_life.close()
    second_life = bootstrap(settings)
    try:
        with TestClient(create_app(hotline=second_life)) as client:
            again = client.post("/v1/cases", json=body, headers={**token("agent"), "Idempotency-Key": "once"})
            assert again.status_code == 201 and again.json() == first.json()
            assert second_life.store.head() == first.json()["position"]
    finally:
        second_life.close()


def test_the_clock_endpoint_does_not_exist_on_the_system_clock(database_url: str) -> None:
    from fastapi.testclient import TestClient

    from hotline.web import create_app
    from tests.conftest import make_settings

    with TestClient(create_app(make_settings(database_url, clock="system"))) as client:
        response = client.put("/v1/admin/clock", json={"now": "2030-01-01T00:00:00+08:00"}, headers=token("admin"))
        assert response.status_code == 404
        assert client.get("/health").json()["clock"]["mode"] == "system"
