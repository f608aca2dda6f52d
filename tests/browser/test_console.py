"""The console in headless Chromium (Debian's ``chromium``, driven by Playwright), against the real service.

A clerk signs in, opens the worklist, urges a case from its page and sees the new event in the
timeline; a unit finds another unit's case answered as not found; the "as it stood on" view shows
what ``GET /v1/cases/{id}?as_of=`` answers. A screenshot of each page goes to ``var/screenshots/``.
"""

from __future__ import annotations

import re
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx2 as httpx
import pytest
import uvicorn

from api.auth import issue_token
from cases.calendar import TZ
from hotline.bootstrap import Hotline, bootstrap
from hotline.web import create_app
from tests.builders import CENTER, handler
from tests.conftest import JWT_SECRET, make_settings
from tests.world import accept, ctx, seed_units

pytestmark = [pytest.mark.storage, pytest.mark.browser]

CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
SHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def service(database_url: str) -> Iterator[tuple[str, Hotline, dict[str, Any]]]:
    """The real service (uvicorn, followers running) on a store with two units' cases."""
    hotline = bootstrap(make_settings(database_url, followers="embedded"))
    hotline.start()
    seed_units(hotline)
    mine = accept(hotline, summary="路灯损坏")
    hotline.cases.dispatch(mine, lead_unit="U1", ctx=ctx(CENTER))
    hotline.cases.sign(mine, ctx=ctx(handler("U1")))
    theirs = accept(hotline, summary="噪音扰民")
    hotline.cases.dispatch(theirs, lead_unit="U2", ctx=ctx(CENTER))
    supervised = accept(hotline, summary="消防通道堵塞", flags=["hot"])
    hotline.cases.dispatch(supervised, lead_unit="U1", ctx=ctx(CENTER))
    assert hotline.consistent(hotline.store.head())
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(hotline=hotline), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(100):
        if server.started:
            break
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}", hotline, {"mine": mine, "theirs": theirs, "supervised": supervised}
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        hotline.close()


@pytest.fixture
def browser() -> Iterator[Any]:
    if CHROMIUM is None:
        pytest.fail("chromium is required (.ci/run installs it: apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            yield launched
        finally:
            launched.close()


def token(role: str, unit: str, sub: str) -> str:
    return issue_token(JWT_SECRET, sub=sub, unit=unit, roles=[role], now=datetime.now(TZ), ttl=timedelta(hours=1))


def sign_in(page: Any, base: str, bearer: str) -> None:
    page.goto(f"{base}/console/")
    assert page.url.endswith("/console/login")
    page.fill("#token", bearer)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def shot(page: Any, name: str, request: pytest.FixtureRequest) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}-{request.node.callspec.id}.png"), full_page=True)


def test_the_center_urges_a_case_from_its_page_and_sees_it_in_the_timeline(service: Any, browser: Any, request: pytest.FixtureRequest) -> None:
    base, hotline, cases = service
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    sign_in(page, base, token("center", "C", "center-1"))
    assert page.url.endswith("/console/worklist")
    assert "消防通道堵塞" in page.inner_text("main")  # a 6(2) case on the supervision worklist
    shot(page, "worklist", request)
    page.click(f"a[href='/console/cases/{cases['mine']}']")
    page.wait_for_load_state()
    before = page.locator("#timeline li").count()
    page.select_option("#urge-method", "written_letter")
    page.click("#urge")
    page.wait_for_load_state()
    assert page.inner_text("#message") == "已督办"
    items = page.locator("#timeline li")
    assert items.count() == before + 1
    assert "督办（催办）" in items.last.inner_text() and "书面督办函" in items.last.inner_text()
    assert hotline.cases.case(cases["mine"], CENTER).urgings[-1].method == "written_letter"
    shot(page, "case", request)
    cookie = next(c for c in page.context.cookies() if c["name"] == "hotline_console")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict"


def test_a_form_without_its_csrf_token_is_refused_and_records_nothing(service: Any) -> None:
    base, hotline, cases = service
    with httpx.Client(base_url=base, follow_redirects=False) as client:
        login = client.get("/console/login")
        csrf = login.text.split('name="csrf" value="')[1].split('"')[0]
        client.post("/console/login", data={"token": token("center", "C", "center-1"), "csrf": csrf})
        head = hotline.store.head()
        forged = client.post(f"/console/cases/{cases['mine']}/urge", data={"csrf": "forged", "method": "sms", "unit": "U1"})
        assert forged.status_code == 403 and hotline.store.head() == head
        assert client.post("/console/login", data={"token": token("center", "C", "c"), "csrf": "forged"}).headers["location"].startswith("/console/login?error=")


def test_a_unit_finds_another_units_case_not_found(service: Any, browser: Any, request: pytest.FixtureRequest) -> None:
    base, _, cases = service
    page = browser.new_page(viewport={"width": 1024, "height": 768})
    sign_in(page, base, token("unit_handler", "U1", "U1-handler"))
    assert page.url.endswith("/console/inbox") and "路灯损坏" in page.inner_text("main")
    assert "噪音扰民" not in page.inner_text("main")
    shot(page, "inbox", request)
    answer = page.goto(f"{base}/console/cases/{cases['theirs']}")
    assert answer.status == 404 and "未找到" in page.inner_text("h1")
    assert page.goto(f"{base}/console/worklist").status == 403  # the supervision worklist is the center's, as in the API


def test_as_it_stood_on_shows_what_the_api_answers_for_as_of(service: Any, browser: Any, request: pytest.FixtureRequest) -> None:
    base, hotline, cases = service
    case_id = cases["mine"]
    hotline.cases.urge(case_id, method="sms", unit="U1", ctx=ctx(CENTER, datetime(2026, 9, 30, 9, tzinfo=TZ)))
    page = browser.new_page()
    bearer = token("center", "C", "center-1")
    sign_in(page, base, bearer)
    page.goto(f"{base}/console/cases/{case_id}?as_of=2026-09-28")
    api = httpx.get(
        f"{base}/v1/cases/{case_id}", params={"as_of": "2026-09-28T23:59:59.999999+08:00"}, headers={"Authorization": f"Bearer {bearer}"}
    ).json()
    assert page.inner_text("#version") == str(api["version"])
    assert page.inner_text("#lead-unit") == api["lead_unit"] and page.inner_text("#due-date").startswith(api["deadline"]["due_date"])
    assert page.locator("#timeline li").count() == api["version"]
    assert "督办（催办）" not in page.inner_text("#timeline")  # the urging of 09-30 came later
    shot(page, "as-of", request)


def test_the_monthly_report_page_shows_the_json_reports_figures(service: Any, browser: Any, request: pytest.FixtureRequest) -> None:
    """The city government opens 报表: the page's figures are the JSON report's; the other officials' pages open too."""
    base, hotline, cases = service
    hotline.cases.urge(cases["mine"], method="sms", unit="U1", ctx=ctx(CENTER, datetime(2026, 9, 29, 10, tzinfo=TZ)))
    assert hotline.consistent(hotline.store.head())
    bearer = token("city_gov", "C", "gov-1")
    report = httpx.get(f"{base}/v1/reports/monthly/2026-09", headers={"Authorization": f"Bearer {bearer}"}).json()
    page = browser.new_page(viewport={"width": 1366, "height": 768})
    sign_in(page, base, bearer)
    page.goto(f"{base}/console/reports/monthly/2026-09")
    shown = {
        (cell.get_attribute("data-row"), cell.get_attribute("data-col")): cell.inner_text().strip()
        for cell in page.locator("table[data-sheet='运行月报'] td[data-col]").all()
    }
    compared = 0
    for card in report["units"]:
        for key in ("dispatched", "signed", "overdue", "urgings", "supervised", "findings"):
            assert shown[(card["unit"], key)] == str(card[key]), (card["unit"], key)
            compared += 1
    assert compared and shown[("U1", "dispatched")] == "2" and shown[("U1", "urgings")] == "1"
    shot(page, "monthly-report", request)
    page.click("#back")  # the printable page leads back into the console
    page.wait_for_load_state()
    assert page.url.endswith("/console/reports")
    center = {"Authorization": f"Bearer {token('center', 'C', 'center-1')}"}
    version = httpx.get(f"{base}/v1/cases/{cases['mine']}", headers=center).json()["version"]
    raised = httpx.post(f"{base}/v1/findings", headers=center, json={
        "clause": "11(7)", "subject": {"unit": "U1"}, "basis": [{"case_id": str(cases["mine"]), "version": version}], "description": "办件答复敷衍（浏览器测试）",
    })
    assert raised.status_code == 201, raised.text
    page.goto(f"{base}/console/findings/{raised.json()['id']}")
    shown = page.inner_text("main")
    assert "办件答复敷衍" in shown and "人工提出的问责事项" in shown
    assert not re.search(r"\b(raised|rule|hand)\b", shown), shown  # a finding's page reads in Chinese
    shot(page, "finding", request)
    with page.expect_download() as download:
        page.click("#dossier")
    assert download.value.suggested_filename == f"dossier-{raised.json()['id']}.zip"
    for path, name, heading in (
        ("/console/reports", "reports", "报表"),
        ("/console/assessment/2026", "assessment", "考核"),
        ("/console/findings", "findings", "问责"),
        ("/console/audit", "audit", "完整性"),
        ("/console/units/U1", "scorecard", "成绩单"),
    ):
        answer = page.goto(f"{base}{path}")
        assert answer.status == 200 and heading in page.inner_text("body"), path
        shot(page, name, request)
