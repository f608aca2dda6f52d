"""The real service (``hotline serve``) in a subprocess, and a small thread-safe HTTP client for it.

Used where the in-process test client is not enough: real concurrency over sockets, and
``kill -9`` of the serving process. Nothing here is shared between client threads except the
immutable ``LiveService``; each request opens its own connection.
"""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import orjson

from api.auth import issue_token
from cases.calendar import TZ
from tests.conftest import JWT_SECRET, START

HOTLINE = Path(sys.executable).with_name("hotline")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def bearer(role: str, unit: str | None = None, sub: str | None = None) -> dict[str, str]:
    jwt = issue_token(
        JWT_SECRET, sub=sub or f"{role}-1", unit=unit or "C", roles=[role], now=datetime.now(TZ), ttl=timedelta(hours=1)
    )
    return {"Authorization": f"Bearer {jwt}"}


@dataclass(frozen=True)
class Answer:
    status: int
    headers: dict[str, str]
    body: Any

    @property
    def json(self) -> Any:
        return self.body


class LiveService:
    """``hotline serve`` on a free port, with the test secret and a simulated clock."""

    def __init__(self, database_url: str, workdir: Path, **env: str) -> None:
        self.port = free_port()
        self.workdir = workdir
        self.log_path = workdir / f"serve-{self.port}.log"
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("HOTLINE_")},
            "HOTLINE_DATABASE_URL": database_url,
            "HOTLINE_JWT_SECRET": JWT_SECRET,
            "HOTLINE_CIPHER_KEY": "a2tra2tra2tra2tra2tra2tra2tra2tra2tra2tra2s=",
            "HOTLINE_CLOCK": "manual",
            "HOTLINE_CLOCK_START": START.isoformat(),
            "HOTLINE_VAR_DIR": str(workdir / "var"),
            "HOTLINE_FOLLOWER_POLL_INTERVAL": "0.2",
            "HOTLINE_WAIT_TIMEOUT": "20",
            **env,
        }
        self.process: subprocess.Popen[bytes] | None = None
        self.lives = 0

    def start(self, timeout: float = 60.0) -> LiveService:
        if self.process is not None and self.process.poll() is None:
            raise RuntimeError("the service is running already: stop or kill it first")
        self.lives += 1
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(  # noqa: S603 - our own CLI
            [str(HOTLINE), "serve", "--port", str(self.port)],
            env=self.env,
            cwd=self.workdir,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"hotline serve exited with {self.process.returncode}:\n{self.log()}")
            try:
                if self.request("GET", "/health", timeout=2).status == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"hotline serve did not become ready:\n{self.log()}")

    def kill(self) -> None:
        """``kill -9``: no shutdown, no flush, no goodbye."""
        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
            self.process.wait()
        self.process = None

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()
        self.process = None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-5000:] if self.log_path.exists() else ""

    def request(
        self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None, *, timeout: float = 30.0
    ) -> Answer:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            payload = None if body is None else orjson.dumps(body)
            sent = {"Content-Type": "application/json", **(headers or {})}
            connection.request(method, path, body=payload, headers=sent)
            response = connection.getresponse()
            raw = response.read()
            parsed = orjson.loads(raw) if raw and "json" in (response.getheader("content-type") or "") else raw
            return Answer(response.status, {k.lower(): v for k, v in response.getheaders()}, parsed)
        finally:
            connection.close()

    def post(self, path: str, body: Any, who: dict[str, str], **headers: str) -> Answer:
        return self.request("POST", path, body, {**who, **headers})

    def get(self, path: str, who: dict[str, str]) -> Answer:
        return self.request("GET", path, None, who)

    def __enter__(self) -> LiveService:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
