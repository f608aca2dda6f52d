"""The monthly report's HTML page rendered by headless Chromium (Debian's ``chromium``), and the report CLI.

The page is rendered to a DOM (``--dump-dom``) and a screenshot; the numbers are read from the
rendered DOM and compared with the hand-computed month. ``.ci/run`` installs Chromium; without it the
test fails rather than pass unseen.
"""

from __future__ import annotations

import shutil
import struct
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from hotline.bootstrap import Hotline, bootstrap
from hotline.cli import main
from hotline.web import create_app
from tests.api.conftest import token
from tests.api.test_reports_api import html_cells
from tests.builders import CENTER
from tests.conftest import make_settings
from tests.reports_world import MONTH, OCTOBER, build_october
from tests.world import seed_units

CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)


pytestmark = pytest.mark.storage


@pytest.fixture
def october(database_url: str) -> Iterator[Hotline]:
    hotline = bootstrap(make_settings(database_url))
    hotline.start()
    seed_units(hotline)
    build_october(hotline)
    try:
        yield hotline
    finally:
        hotline.close()


def test_the_monthly_page_renders_in_headless_chromium_with_the_numbers(october: Hotline, tmp_path: Path) -> None:
    if CHROMIUM is None:
        pytest.fail("chromium is required (.ci/run installs it: apt-get install -y chromium)")
    with TestClient(create_app(hotline=october)) as client:
        page = client.get(f"/v1/reports/monthly/{MONTH}", headers={**token("center"), "Accept": "text/html"})
    assert page.status_code == 200
    source = tmp_path / "monthly.html"
    source.write_bytes(page.content)
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", f"--user-data-dir={tmp_path / 'profile'}"]
    dom = subprocess.run(  # noqa: S603 - the system's chromium on our own file
        [CHROMIUM, *flags, "--dump-dom", source.as_uri()], capture_output=True, timeout=120, check=True
    ).stdout.decode()
    cells = html_cells(dom)
    for unit, truth in OCTOBER.items():
        for key in ("dispatched", "signed_on_time", "due", "replied_on_time", "overdue", "overdue_unjustified", "urgings", "findings"):
            assert cells[("运行月报", unit, key)] == str(truth[key]), (unit, key)
    assert cells[("运行月报", "U1", "rate:signed_on_time")] == "80.0%"
    assert dom.count("<svg") == 3 and "<rect" in dom and "<polyline" in dom
    shot = tmp_path / "monthly.png"
    subprocess.run(  # noqa: S603
        [CHROMIUM, *flags, f"--screenshot={shot}", "--window-size=1400,2400", source.as_uri()], capture_output=True, timeout=120, check=True
    )
    width, height = struct.unpack(">II", shot.read_bytes()[16:24])
    assert (width, height) == (1400, 2400) and shot.stat().st_size > 20_000


def test_the_report_command_writes_each_format(october: Hotline, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    from openpyxl import load_workbook

    settings = october.settings
    for name, value in (
        ("HOTLINE_DATABASE_URL", settings.database_url), ("HOTLINE_JWT_SECRET", settings.jwt_secret),
        ("HOTLINE_CIPHER_KEY", settings.cipher_key), ("HOTLINE_VAR_DIR", str(tmp_path / "var")), ("HOTLINE_CLOCK", "manual"),
    ):
        monkeypatch.setenv(name, value)
    out = tmp_path / "report.xlsx"
    assert main(["report", "monthly", MONTH, "--format", "xlsx", "-o", str(out)]) == 0
    rows = {r[0]: r for r in load_workbook(out)["运行月报"].iter_rows(min_row=2, values_only=True)}
    assert rows["U2"][3] == OCTOBER["U2"]["dispatched"]
    assert main(["report", "monthly", MONTH, "--format", "csv"]) == 0
    assert "单位编码" in capsys.readouterr().out
    assert main(["report", "assessment", "2026", "--format", "html", "-o", str(tmp_path / "a.html")]) == 0
    assert "年度考核" in (tmp_path / "a.html").read_text()
    assert main(["projections", "rebuild", "scorecards"]) == 0
    assert main(["projections", "status"]) == 0
    status = capsys.readouterr().out
    assert "scorecards" in status and "rules" in status
    assert main(["projections", "rebuild", "nothing"]) == 2
    october.followers.catch_up()
    assert october.reports.scorecard("U1", MONTH, CENTER)["overdue"] == OCTOBER["U1"]["overdue"]
