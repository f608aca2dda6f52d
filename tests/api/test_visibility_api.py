"""No reach into another unit's cases through a finding (issue 9, defect 3)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.api.conftest import LEADER_U1, Api, unit

pytestmark = pytest.mark.storage

LEADER_U2 = unit("unit_leader", "U2")


def dispatched_to(api: Api, lead: str, summary: str) -> dict[str, Any]:
    case = api.new_case(summary=summary, content=f"{summary}: the details")
    api.act(case["id"], "dispatch", {"lead_unit": lead})
    return case


def raise_as(api: Api, who: Any, basis: list[dict[str, Any]]) -> Any:
    body = {"clause": "11(7)", "subject": {"unit": "U1"}, "basis": basis, "description": "未妥善处理"}
    return api.post("/v1/findings", body, who)


def without(body: dict[str, Any], ident: str) -> dict[str, Any]:
    return __import__("orjson").loads(__import__("orjson").dumps(body).decode().replace(ident, "<id>"))


@pytest.mark.parametrize("version", [1, 2, 999])
def test_citing_another_units_case_answers_like_a_case_that_does_not_exist(api: Api, version: int) -> None:
    other = dispatched_to(api, "U2", "另一单位的件")
    nowhere = str(uuid.uuid4())
    head = api.hotline.store.head()
    hidden = raise_as(api, LEADER_U1, [{"case_id": other["id"], "version": version}])
    missing = raise_as(api, LEADER_U1, [{"case_id": nowhere, "version": version}])
    assert hidden.status_code == missing.status_code == 422
    assert without(hidden.json(), other["id"]) == without(missing.json(), nowhere)
    assert other["number"] not in hidden.text and "versions" not in hidden.text
    assert api.hotline.store.head() == head


def test_citing_an_own_case_still_checks_the_version(api: Api) -> None:
    own = dispatched_to(api, "U1", "本单位的件")
    wrong = raise_as(api, LEADER_U1, [{"case_id": own["id"], "version": 999}])
    assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "basis[0].version"
    assert raise_as(api, LEADER_U1, [{"case_id": own["id"], "version": 2}]).status_code == 201


def test_the_review_shows_a_reader_only_the_basis_cases_it_may_see(api: Api) -> None:
    own = dispatched_to(api, "U1", "SUMMARY-OWN")
    other = dispatched_to(api, "U2", "SUMMARY-OTHER")
    raised = raise_as(api, "center", [{"case_id": own["id"], "version": 2}, {"case_id": other["id"], "version": 2}])
    assert raised.status_code == 201, raised.text
    finding_id = raised.json()["id"]

    as_u1 = api.fresh(f"/v1/findings/{finding_id}/review", LEADER_U1)
    assert as_u1.status_code == 200, as_u1.text
    assert {e["case_id"] for e in as_u1.json()["basis_events"]} == {own["id"]}
    assert {c["case_id"] for c in as_u1.json()["now"]["cases"]} == {own["id"]}
    assert "SUMMARY-OTHER" not in as_u1.text and other["number"] not in as_u1.text

    as_center = api.fresh(f"/v1/findings/{finding_id}/review", "center")
    assert {e["case_id"] for e in as_center.json()["basis_events"]} == {own["id"], other["id"]}
    assert api.fresh(f"/v1/findings/{finding_id}/review", LEADER_U2).status_code == 404  # not its finding
