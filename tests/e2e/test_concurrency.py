"""Concurrency on PostgreSQL, over sockets, against the real service (issue 9, defect 1).

Many clients at once on one case, with and without ``If-Match`` and sharing ``Idempotency-Key``s:
one effect per key, no duplicate and no gap in the case's versions, and every loser answered
with 409/412 or with the first answer.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from tests.e2e.conftest import CASE, CENTER, AGENT, handler
from tests.live import Answer, LiveService

pytestmark = pytest.mark.storage


def at_once(n: int, call: Callable[[int], Answer]) -> list[Answer]:
    """``n`` calls released together from ``n`` threads."""
    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(call, range(n)))


def dispatched(service: LiveService) -> str:
    case = service.post("/v1/cases", CASE, AGENT)
    assert case.status == 201, case
    answer = service.post(f"/v1/cases/{case.json['id']}/dispatch", {"lead_unit": "U1"}, CENTER)
    assert answer.status == 200, answer
    return case.json["id"]


def history(service: LiveService, case_id: str) -> list[dict[str, Any]]:
    items, token = [], None
    while True:
        query = f"?page_size=500&page_token={token}" if token else "?page_size=500"
        page = service.get(f"/v1/cases/{case_id}/history{query}", CENTER)
        assert page.status == 200, page
        items += page.json["items"]
        token = page.json.get("next_page_token")
        if not token:
            return items


def check_versions(events: list[dict[str, Any]]) -> None:
    """No duplicate and no gap: versions are exactly 1..N and positions strictly increase."""
    assert [e["version"] for e in events] == list(range(1, len(events) + 1))
    positions = [e["position"] for e in events]
    assert positions == sorted(set(positions))


def same_answers(answers: list[Answer]) -> None:
    bodies = [a.json for a in answers]
    assert all(a.status == answers[0].status for a in answers), Counter(a.status for a in answers)
    assert all(body == bodies[0] for body in bodies)
    assert len({a.headers.get("etag") for a in answers}) == 1


def retried_at_once(service: LiveService, n: int, action: str, body: Any, who: dict[str, str], kind: str) -> None:
    """``n`` concurrent retries of one command with one key: one ``kind`` event, every answer the first answer."""
    case_id = dispatched(service)
    answers = at_once(n, lambda _: service.post(f"/v1/cases/{case_id}/{action}", body, who, **{"Idempotency-Key": f"{action}-1"}))
    assert answers[0].status == 200, answers[0]
    same_answers(answers)
    events = history(service, case_id)
    assert [e["type"] for e in events].count(kind) == 1
    check_versions(events)


def test_ten_retries_with_one_key_record_one_urging_and_answer_alike(live_postgres: LiveService) -> None:
    retried_at_once(live_postgres, 10, "urgings", {"method": "sms", "unit": "U1", "note": "请尽快办结"}, CENTER, "Urged")


def test_one_key_with_different_bodies_records_one_and_refuses_the_rest(live_postgres: LiveService) -> None:
    case_id = dispatched(live_postgres)
    before = history(live_postgres, case_id)

    def urge(i: int) -> Answer:
        return live_postgres.post(
            f"/v1/cases/{case_id}/urgings", {"method": "sms", "unit": "U1", "note": f"note {i}"}, CENTER, **{"Idempotency-Key": "urge-2"}
        )

    answers = at_once(10, urge)
    statuses = Counter(a.status for a in answers)
    assert statuses == {200: 1, 422: 9}, statuses
    assert all(a.json["errors"][0]["field"] == "Idempotency-Key" for a in answers if a.status == 422)
    events = history(live_postgres, case_id)
    assert len(events) == len(before) + 1 and events[-1]["type"] == "Urged"
    winner = next(a for a in answers if a.status == 200)
    assert events[-1]["data"]["urging"]["note"] == winner.json["urgings"][-1]["note"]
    check_versions(events)


def test_fifty_retries_of_a_sign_all_answer_the_first_answer(live_postgres: LiveService) -> None:
    retried_at_once(live_postgres, 50, "sign", {}, handler("U1"), "Signed")


def test_fifty_commands_without_if_match_all_land_in_order(live_postgres: LiveService) -> None:
    case_id = dispatched(live_postgres)
    before = len(history(live_postgres, case_id))
    answers = at_once(50, lambda i: live_postgres.post(f"/v1/cases/{case_id}/urgings", {"method": "phone", "unit": "U1", "note": f"{i}"}, CENTER))
    assert Counter(a.status for a in answers) == {200: 50}
    events = history(live_postgres, case_id)
    urged = [e for e in events[before:] if e["type"] == "Urged"]
    assert len(urged) == 50
    assert sorted(e["data"]["urging"]["n"] for e in urged) == list(range(1, 51))
    assert sorted(e["data"]["urging"]["note"] for e in urged) == sorted(str(i) for i in range(50))
    assert sorted(a.json["version"] for a in answers) == sorted(e["version"] for e in urged)
    check_versions(events)


def test_fifty_commands_with_one_if_match_record_one(live_postgres: LiveService) -> None:
    case_id = dispatched(live_postgres)
    version = live_postgres.get(f"/v1/cases/{case_id}", CENTER).json["version"]
    before = len(history(live_postgres, case_id))

    def urge(i: int) -> Answer:
        return live_postgres.post(
            f"/v1/cases/{case_id}/urgings", {"method": "phone", "unit": "U1", "note": f"{i}"}, CENTER, **{"If-Match": f'"{version}"'}
        )

    answers = at_once(50, urge)
    assert Counter(a.status for a in answers) == {200: 1, 412: 49}
    assert all(a.json["current_version"] == version + 1 for a in answers if a.status == 412)
    events = history(live_postgres, case_id)
    assert len(events) == before + 1
    check_versions(events)


def test_fifty_commands_sharing_five_keys_record_five(live_postgres: LiveService) -> None:
    case_id = dispatched(live_postgres)
    before = len(history(live_postgres, case_id))

    def urge(i: int) -> tuple[int, Answer]:
        key = i % 5
        answer = live_postgres.post(
            f"/v1/cases/{case_id}/urgings", {"method": "wechat", "unit": "U1", "note": f"key {key}"}, CENTER, **{"Idempotency-Key": f"shared-{key}"}
        )
        return key, answer

    with ThreadPoolExecutor(max_workers=50) as pool:
        results = list(pool.map(urge, range(50)))
    for key in range(5):
        answers = [a for k, a in results if k == key]
        assert answers[0].status == 200, answers[0]
        same_answers(answers)
    events = history(live_postgres, case_id)
    assert [e["type"] for e in events[before:]] == ["Urged"] * 5
    check_versions(events)


def test_a_sign_and_its_racing_rivals_without_keys_get_the_state_they_lost_to(live_postgres: LiveService) -> None:
    """Without a key, a lost race is the state's answer: one sign lands, the others are told the state (409)."""
    case_id = dispatched(live_postgres)
    answers = at_once(20, lambda _: live_postgres.post(f"/v1/cases/{case_id}/sign", {}, handler("U1")))
    statuses = Counter(a.status for a in answers)
    assert statuses[200] == 1 and statuses[200] + statuses[409] == 20, statuses
    events = history(live_postgres, case_id)
    assert [e["type"] for e in events].count("Signed") == 1
    check_versions(events)


def test_forty_accepts_at_once_get_distinct_numbers_without_retry(live_postgres: LiveService) -> None:
    """Numbers come from blocks the process reserved (``cases.numbering``): concurrent accepts neither
    collide on the day's counter nor retry, and no number is given twice."""
    retries = _retries(live_postgres)
    answers = at_once(40, lambda _: live_postgres.post("/v1/cases", CASE, AGENT))
    assert Counter(a.status for a in answers) == {201: 40}, [a for a in answers if a.status != 201][:1]
    numbers = [a.json["number"] for a in answers]
    assert len(set(numbers)) == 40
    assert _retries(live_postgres) == retries


def _retries(service: LiveService) -> int:
    text = service.get("/metrics", CENTER).body.decode()
    return int(next(line.split()[1] for line in text.splitlines() if line.startswith("hotline_command_retries_total ")))
