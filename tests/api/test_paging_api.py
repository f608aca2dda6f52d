"""Units and a case's history page like every other list (issue 9): ``page_size``, ``page_token``, keyset."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.conftest import Api

pytestmark = pytest.mark.storage


def every_page(api: Api, path: str, page_size: int) -> list[list[dict[str, Any]]]:
    pages, token = [], None
    while True:
        params: dict[str, Any] = {"page_size": page_size, **({"page_token": token} if token else {})}
        body = api.get(path, params=params).json()
        pages.append(body["items"])
        token = body["next_page_token"]
        if token is None:
            return pages


def test_units_page_in_order_of_their_id(api: Api) -> None:
    pages = every_page(api, "/v1/units", 2)
    assert [len(p) for p in pages] == [2, 2, 1]
    ids = [u["id"] for page in pages for u in page]
    assert ids == sorted(ids) == ["C", "N1", "U1", "U2", "U3"]
    assert api.get("/v1/units", params={"page_size": 0}).status_code == 422
    assert api.get("/v1/units", params={"page_token": "garbage"}).json()["errors"][0]["field"] == "page_token"


def test_a_history_pages_in_version_order(api: Api) -> None:
    case_id = api.new_case()["id"]
    api.act(case_id, "dispatch", {"lead_unit": "U1"})
    api.act(case_id, "supervision", {"ground": "6(5)", "reason": "关注"})
    whole = api.get(f"/v1/cases/{case_id}/history").json()
    assert whole["next_page_token"] is None
    pages = every_page(api, f"/v1/cases/{case_id}/history", 1)
    assert [e for page in pages for e in page] == whole["items"]
    assert [e["version"] for e in whole["items"]] == list(range(1, len(whole["items"]) + 1))
    assert api.get(f"/v1/cases/{case_id}/history", params={"page_size": 501}).status_code == 422


def test_the_supervision_worklist_pages_by_key_so_a_case_supervised_meanwhile_repeats_nothing(api: Api) -> None:
    """A case that becomes more urgent between two pages must not push an already served case onto the next page."""
    supervised = []
    for _ in range(3):
        case_id = api.new_case()["id"]
        api.act(case_id, "dispatch", {"lead_unit": "U1"})
        api.act(case_id, "supervision", {"ground": "6(5)", "reason": "关注"})
        supervised.append(case_id)
    first = api.fresh("/v1/supervision/worklist", page_size=2).json()
    assert len(first["items"]) == 2 and first["next_page_token"]
    urgent = api.new_case()["id"]  # a shorter deadline: it sorts before every case already served
    api.act(urgent, "dispatch", {"lead_unit": "U1", "working_days": 1})
    api.act(urgent, "supervision", {"ground": "6(5)", "reason": "紧急"})
    rest = api.fresh("/v1/supervision/worklist", page_size=2, page_token=first["next_page_token"]).json()
    served = [item["id"] for item in first["items"]] + [item["id"] for item in rest["items"]]
    assert len(served) == len(set(served)), "a case served twice"
    assert set(supervised) <= set(served) and urgent not in served  # it came in before the cursor: the next pass shows it
