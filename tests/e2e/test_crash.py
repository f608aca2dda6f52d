"""Crash test (issue 9): the real service under a client load, killed with SIGKILL at random moments
and restarted, on each store. Afterwards:

* every 2xx-acknowledged command is in the log (its version at its position, of its kind);
* nothing unacknowledged is half-recorded: every kept outcome is settled, case numbers have no
  gap, and a retry with the same ``Idempotency-Key`` answers either the recorded outcome or records it now;
* each time fact is recorded once, and none that is due is missing;
* the read models equal a rebuild from scratch.
"""

from __future__ import annotations

import http.client
import random
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from cases.calendar import TZ
from cases.numbering import counter_id
from hotline.bootstrap import Hotline, bootstrap
from projections.findings_index import FindingFilter
from projections.pages import ListFilter
from tests.conftest import START, make_settings
from tests.e2e.conftest import ADMIN, AGENT, CASE, CENTER, handler, postgres_schema_url, seed_over_http
from tests.live import Answer, LiveService

pytestmark = [pytest.mark.storage, pytest.mark.crash]

KILLS = 3
CLIENTS = 4
KIND = {"accept": "Accepted", "dispatch": "Dispatched", "sign": "Signed", "urgings": "Urged", "reply": "Replied"}


@dataclass
class Sent:
    """One command as the client sent it, and what it heard back (None: no answer, the outcome is unknown)."""

    action: str
    path: str
    body: Any
    who: dict[str, str]
    key: str
    answer: Answer | None = None


class Load:
    """Client threads playing case lifecycles with idempotency keys, and a clock mover, across kills."""

    def __init__(self, service: LiveService, seed: int) -> None:
        self.service = service
        self.random = random.Random(seed)
        self.sent: list[Sent] = []
        self.lock = threading.Lock()
        self.up = threading.Event()
        self.stopping = threading.Event()
        self.clock = START
        self.threads = [threading.Thread(target=self.client, args=(i,), daemon=True) for i in range(CLIENTS)]
        self.threads.append(threading.Thread(target=self.mover, daemon=True))

    def send(self, action: str, path: str, body: Any, who: dict[str, str], *, method: str = "POST") -> Sent:
        sent = Sent(action, path, body, who, key=f"{action}-{uuid.uuid4().hex}")
        with self.lock:
            self.sent.append(sent)
        try:
            sent.answer = self.service.request(method, path, body, {**who, "Idempotency-Key": sent.key}, timeout=20)
        except (OSError, http.client.HTTPException):  # refused, reset, or cut off mid-answer by the kill
            sent.answer = None
        return sent

    def client(self, i: int) -> None:
        rng = random.Random(i)
        while not self.stopping.is_set():
            if not self.up.wait(0.1):
                continue
            created = self.send("accept", "/v1/cases", CASE, AGENT)
            if created.answer is None or created.answer.status != 201:
                continue
            case = f"/v1/cases/{created.answer.json['id']}"
            unit = rng.choice(["U1", "U2"])
            steps = [
                ("dispatch", {"lead_unit": unit, "working_days": rng.choice([1, 2])}, CENTER),
                ("sign", {}, handler(unit)),
                ("urgings", {"method": "sms", "unit": unit}, CENTER),
            ]
            if rng.random() < 0.5:
                steps.append(("reply", {"content": "done", "outcome": "resolved"}, handler(unit)))
            for action, body, who in steps:
                step = self.send(action, f"{case}/{action}", body, who)
                if step.answer is None or step.answer.status >= 300:
                    break

    def mover(self) -> None:
        while not self.stopping.is_set():
            if not self.up.wait(0.1):
                continue
            time.sleep(0.3)
            with self.lock:
                self.clock += timedelta(hours=9)
                to = self.clock
            self.send("clock", "/v1/admin/clock", {"now": to.isoformat()}, ADMIN, method="PUT")

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def stop(self) -> None:
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=30)


def run_with_kills(service: LiveService, seed: int) -> Load:
    service.start()
    seed_over_http(service)
    load = Load(service, seed)
    load.start()
    for _ in range(KILLS):
        load.up.set()
        time.sleep(load.random.uniform(0.5, 2.0))
        load.up.clear()
        service.kill()
        time.sleep(0.2)  # requests in flight meet the dead socket
        service.start()
    load.up.set()
    time.sleep(1.0)
    load.up.clear()
    load.stop()
    return load


def history(service: LiveService, case_id: str) -> dict[int, dict[str, Any]]:
    page = service.get(f"/v1/cases/{case_id}/history?page_size=500", CENTER)
    assert page.status == 200, page
    return {event["version"]: event for event in page.json["items"]}


def check_acknowledged(service: LiveService, load: Load) -> Counter[str]:
    """Every 2xx answer names an event of its kind at its version and position; unknown outcomes are resolved by a retry."""
    figures: Counter[str] = Counter()
    for sent in load.sent:
        if sent.answer is None:
            figures["unacknowledged"] += 1
            retried = service.request("PUT" if sent.action == "clock" else "POST", sent.path, sent.body, {**sent.who, "Idempotency-Key": sent.key})
            assert retried.status < 500, retried
            figures["replayed after the crash" if retried.headers.get("idempotent-replayed") else "recorded on retry"] += 1
            sent.answer = retried
        if sent.answer.status >= 300:
            figures[f"refused {sent.answer.status}"] += 1
            continue
        figures["acknowledged"] += 1
        if sent.action == "clock":
            continue
        body = sent.answer.json
        events = history(service, body["id"])
        last = events[body["version"]]
        assert last["position"] == body["position"], (sent.action, body, last)
        # One command's events sit at consecutive positions ending at the answer's (a reply also meets urgings, ...).
        block = [last]
        while (previous := events.get(block[-1]["version"] - 1)) and previous["position"] == block[-1]["position"] - 1:
            block.append(previous)
        assert KIND[sent.action] in {e["type"] for e in block}, (sent.action, body, [e["type"] for e in block])
    return figures


def check_store(hotline: Hotline) -> dict[str, int]:
    """Settled outcomes, case numbers each reserved and given once, time facts once and none due left, read models equal a rebuild."""
    store = hotline.store
    rows = store.sql.query("SELECT position FROM {t}", t="hotline_outcomes")
    assert rows and all(0 < row["position"] <= store.head() for row in rows), "an idempotency claim without its events"

    events = [store.mapper.to_domain_event(n) for n in store.read(0, 1_000_000)]
    numbers = sorted(e.number for e in events if type(e).__name__ == "Accepted")
    assert len(numbers) == len(set(numbers)), "a case number given twice"
    reserved = {(e.originator_id, s) for e in events if type(e).__name__ == "Reserved" for s in range(e.first, e.last + 1)}
    for number in numbers:  # every number handed out was reserved on its day's counter (blocks: gaps allowed, never twice)
        day = datetime.strptime(number[:8], "%Y%m%d").date()
        assert (counter_id(day), int(number[8:])) in reserved, f"case number {number} was never reserved"

    facts = Counter()
    for e in events:
        name = type(e).__name__
        if name in ("HandlingDeadlineLapsed", "OverdueMarkPassed"):
            facts[(e.originator_id, name, e.round)] += 1
        elif name == "SupervisionDeadlineLapsed":
            facts[(e.originator_id, name, e.n)] += 1
    assert facts and max(facts.values()) == 1, "a time fact recorded twice"
    assert hotline.timers.due(hotline.clock.now()) == [], "a time fact due but not recorded"

    before = (_cases(hotline), _findings(hotline))
    hotline.index.reset()
    hotline.findings_index.reset()
    hotline.followers.setup()
    hotline.followers.catch_up()
    assert (_cases(hotline), _findings(hotline)) == before, "read models differ from a rebuild from scratch"
    return {"events": len(events), "cases": len(numbers), "time facts": len(facts), "findings": len(before[1])}


def _cases(hotline: Hotline) -> list[dict[str, Any]]:
    return _every_page(lambda token: hotline.index.list(ListFilter(), page_size=500, page_token=token))


def _findings(hotline: Hotline) -> list[dict[str, Any]]:
    return _every_page(lambda token: hotline.findings_index.list(FindingFilter(), page_size=500, page_token=token))


def _every_page(page: Callable[[str | None], tuple[list[dict[str, Any]], str | None]]) -> list[dict[str, Any]]:
    items, token = [], None
    while True:
        batch, token = page(token)
        items += batch
        if token is None:
            return items


@pytest.fixture(params=["sqlite", "postgres"])
def crash_store(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'hotline.sqlite3'}"
        return
    yield from postgres_schema_url(request.getfixturevalue("postgres_database"))


def test_kill_nine_under_load_loses_nothing_acknowledged_and_doubles_nothing(crash_store: str, tmp_path: Path) -> None:
    service = LiveService(crash_store, tmp_path)
    try:
        load = run_with_kills(service, seed=len(crash_store))  # leaves the service running
        figures = check_acknowledged(service, load)
        far = (load.clock + timedelta(days=40)).astimezone(TZ)
        moved = service.request("PUT", "/v1/admin/clock", {"now": far.isoformat()}, ADMIN)
        assert moved.status == 200, moved
        settled = service.get(f"/v1/cases?min_position={moved.json['position']}", CENTER)
        assert settled.status == 200, settled
        assert service.request("GET", "/health").json["status"] == "ok"
    finally:
        service.stop()
    hotline = bootstrap(make_settings(crash_store, cipher_key=service.env["HOTLINE_CIPHER_KEY"]))  # resumes at the simulated clock
    try:
        figures.update(check_store(hotline))
    finally:
        hotline.close()
    assert service.lives == KILLS + 1 and figures["acknowledged"] > 20, figures
    print(f"crash test on {crash_store.split(':')[0]}: {KILLS} kills, {dict(figures)}")
