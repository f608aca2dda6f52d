"""Our commands in subprocesses: the real ``hotline serve``, its worker (``hotline projections run``), and the framework's floor (``bench.floor``)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Self

import httpx2

from bench.stores import RunStore


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Process:
    """One of our own commands in a subprocess, its output in a log, stopped with SIGINT (killed after a minute)."""

    def __init__(self, name: str, command: list[str], env: dict[str, str], directory: Path) -> None:
        self.name = name
        self.log_path = directory / f"{name}.log"
        self._log = self.log_path.open("w")
        self.process = subprocess.Popen(command, env=env, stdout=self._log, stderr=subprocess.STDOUT)  # noqa: S603 - our own commands

    def _keep_log_of_errors(self) -> None:
        """A log with a traceback outlives the run's temporary directory (var/bench/logs/)."""
        self._log.flush()
        text = self.log_path.read_text(errors="replace")
        if "Traceback" in text:
            kept = Path("var/bench/logs") / f"{time.strftime('%Y%m%d-%H%M%S')}-{self.name}.log"
            kept.parent.mkdir(parents=True, exist_ok=True)
            kept.write_text(text)
            print(f"[bench] {self.name} logged errors: kept in {kept}", file=sys.stderr, flush=True)

    def tail(self) -> str:
        return self.log_path.read_text(errors="replace")[-3000:]

    def stop(self) -> None:
        self._keep_log_of_errors()
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


class Server(Process):
    """A server process on a free port, waited for until ``/health`` answers."""

    def __init__(self, name: str, command: list[str], env: dict[str, str], directory: Path, *, ready_timeout: float = 1800) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        super().__init__(name, [*command, "--port", str(self.port)], env, directory)
        self._wait_ready(ready_timeout)

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited ({self.process.returncode}); see {self.log_path}:\n{self.tail()}")
            try:
                if httpx2.get(self.base + "/health", timeout=2).status_code == 200:
                    return
            except httpx2.HTTPError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"{self.name} did not become ready in {timeout:.0f}s")

    def peak_rss_mb(self) -> float | None:
        """The server process's peak resident memory (VmHWM), from /proc."""
        try:
            for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
        except OSError:
            return None
        return None

    def cpu_seconds(self) -> float:
        """User + system CPU time the server process has used (all its threads), from /proc."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def hotline_server(store: RunStore, start: str, *, followers: str = "embedded") -> Server:
    env = store.env(HOTLINE_CLOCK="manual", HOTLINE_CLOCK_START=start, HOTLINE_FOLLOWERS=followers)
    return Server(f"hotline-{followers}", [sys.executable, "-m", "hotline.cli", "serve"], env, store.directory)


class Worker(Process):
    """``hotline projections run`` in a subprocess: the followers and the timekeeper of a store, away from the API."""

    def __init__(self, store: RunStore, start: str, *, ready_timeout: float = 1800) -> None:
        env = store.env(HOTLINE_CLOCK="manual", HOTLINE_CLOCK_START=start)
        super().__init__("worker", [sys.executable, "-m", "hotline.cli", "projections", "run"], env, store.directory)
        deadline = time.monotonic() + ready_timeout
        while "followers running on" not in self.log_path.read_text(errors="replace"):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the worker did not start; see {self.log_path}:\n{self.tail()}")
            time.sleep(0.2)


def floor_server(store: RunStore) -> Server:
    return Server("floor", [sys.executable, "-m", "bench.floor"], store.env(), store.directory)


def cpu_count() -> int:
    return os.cpu_count() or 1
