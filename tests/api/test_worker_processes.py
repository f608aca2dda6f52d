"""Stateless API processes and one worker on one PostgreSQL database.

Two ``hotline serve`` processes run with ``HOTLINE_FOLLOWERS=external`` (they only wait for
positions) and one ``hotline projections run`` worker runs the rules process and the read models.
A command answered by one API is visible through the other once its ``min_position`` is reflected.
"""

from __future__ import annotations

import base64
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql

from api.auth import issue_token
from cases.calendar import TZ
from tests.conftest import JWT_SECRET, START

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def postgres_url(postgres_database: str) -> Iterator[str]:
    schema = f"t_{uuid.uuid4().hex[:12]}"
    yield f"{postgres_database}?schema={schema}"
    with psycopg.connect(postgres_database, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Process:
    def __init__(self, args: list[str], env: dict[str, str], log: Path) -> None:
        self.log = log
        self.handle = subprocess.Popen(  # noqa: S603 - our own CLI
            [sys.executable, "-m", "hotline.cli", *args], cwd=ROOT, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT
        )

    def wait_for(self, text: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.log.read_text(errors="replace"):
                return
            assert self.handle.poll() is None, self.log.read_text(errors="replace")
            time.sleep(0.1)
        raise AssertionError(f"'{text}' never appeared:\n{self.log.read_text(errors='replace')}")

    def stop(self) -> None:
        if self.handle.poll() is None:
            self.handle.terminate()
            try:
                self.handle.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.handle.kill()


def call(port: int, method: str, path: str, body: Any = None, *, role: str, unit: str = "C") -> tuple[int, Any]:
    token = issue_token(JWT_SECRET, sub=f"{role}-1", unit=unit, roles=[role], now=datetime.now(TZ), ttl=__import__("datetime").timedelta(hours=1))
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}", method=method, data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310 - a local test server
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def test_a_command_on_one_api_is_visible_through_the_other_via_min_position(postgres_url: str, tmp_path: Path) -> None:
    env = {
        **os.environ,
        "HOTLINE_DATABASE_URL": postgres_url,
        "HOTLINE_JWT_SECRET": JWT_SECRET,
        "HOTLINE_CIPHER_KEY": base64.b64encode(b"k" * 32).decode(),
        "HOTLINE_CLOCK": "manual",
        "HOTLINE_CLOCK_START": START.isoformat(),
        "HOTLINE_VAR_DIR": str(tmp_path / "var"),
        "HOTLINE_FOLLOWER_POLL_INTERVAL": "0.2",
        "HOTLINE_WAIT_TIMEOUT": "20",
    }
    processes: list[Process] = []
    try:
        worker = Process(["projections", "run"], env, tmp_path / "worker.log")
        processes.append(worker)
        worker.wait_for("followers running")
        ports = [free_port(), free_port()]
        for i, port in enumerate(ports):
            api = Process(["serve", "--port", str(port)], {**env, "HOTLINE_FOLLOWERS": "external"}, tmp_path / f"api{i}.log")
            processes.append(api)
        for i, port in enumerate(ports):
            processes[1 + i].wait_for("Uvicorn running")
        first, second = ports

        status, registered = call(first, "POST", "/v1/units", {"id": "U1", "name": "市城市管理局", "kind": "member"}, role="admin")
        assert status == 201, registered
        status, case = call(first, "POST", "/v1/cases", {
            "channel": "phone", "category": "environment", "summary": "夜间施工噪音", "content": "22点后施工",
            "urgency": "normal", "requester": {"name": "张三", "phone": "13812345678"}, "confidential": False, "flags": [],
        }, role="agent")
        assert status == 201, case
        status, dispatched = call(first, "POST", f"/v1/cases/{case['id']}/dispatch", {"lead_unit": "U1"}, role="center")
        assert status == 200, dispatched
        position = dispatched["position"]

        status, listed = call(second, "GET", f"/v1/cases?min_position={position}", role="center")
        assert status == 200 and [c["id"] for c in listed["items"]] == [case["id"]] and listed["items"][0]["lead_unit"] == "U1"
        status, card = call(second, "GET", f"/v1/units/U1/scorecard?period=2026-09&min_position={position}", role="city_gov")
        assert status == 200 and card["dispatched"] == 1, card
        status, health = call(second, "GET", "/health", role="admin")
        assert status == 200 and {f["name"]: f["lag"] for f in health["followers"]}["scorecards"] == 0, health
        assert "Loading" not in processes[2].log.read_text(errors="replace")
    finally:
        for process in reversed(processes):
            process.stop()
