"""The supervision worklist pages on: a clerk reaches every supervised case and every search result, not the first page only."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

import console.pages
from hotline.web import create_app
from tests.api.conftest import console_sign_in, token
from tests.builders import CENTER
from tests.world import accept, ctx, seed_units

pytestmark = pytest.mark.storage


def numbers(page: str) -> set[str]:
    return set(re.findall(r"20\d{11}", page))


def test_the_worklist_and_the_search_page_on_to_every_case(hotline: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    seed_units(hotline)
    made = set()
    for _ in range(3):
        case_id = accept(hotline, flags=["hot"])  # Art. 6(2): supervised from acceptance
        hotline.cases.dispatch(case_id, lead_unit="U1", co_units=[], working_days=None, response_hours=None, ctx=ctx(CENTER))
        made.add(hotline.cases.case(case_id, CENTER).number)
    assert hotline.consistent(hotline.store.head())
    monkeypatch.setattr(console.pages, "WORKLIST_PAGE", 2)
    with TestClient(create_app(hotline=hotline)) as client:
        console_sign_in(client, token("center"))
        first = client.get("/console/worklist")
        assert first.status_code == 200
        for link, section in (("next-supervised", 0), ("next-cases", 1)):
            found = re.search(rf'id="{link}" href="([^"]+)"', first.text)
            assert found is not None, link
            second = client.get(found.group(1).replace("&amp;", "&"))
            assert second.status_code == 200
            shown, more = (numbers(page.text.split("办件查询")[section]) for page in (first, second))
            assert len(shown & made) == 2 and shown | more >= made, link  # the third case is on the next page
        assert client.get("/console/worklist", params={"page_token": "forged"}).status_code == 422
