"""Real HTTP clients (httpx2, asyncio) against a running server, and the figures they measure."""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from random import Random
from typing import Any

import httpx2

from api.auth import issue_token
from bench.stores import JWT_SECRET
from cases.calendar import TZ

UNITS = ("U-URBAN", "U-ZG", "U-HRSS", "U-MARKET", "U-NK", "U-HOUSING", "U-ENV", "U-YD")
ACCEPT = {
    "channel": "phone", "category": "城市管理", "summary": "占道经营", "content": "诉求人反映：小区门口占道经营，影响通行，请尽快处理。",
    "urgency": "normal", "requester": {"name": "张三", "phone": "13812345678"}, "confidential": False, "flags": [],
}
REPLY = {"content": "已现场核查并处理，处理结果已告知诉求人。", "outcome": "resolved"}
REVISIT = {"satisfied": True, "reply_matches_facts": True, "note": "电话回访", "satisfaction": "satisfied"}


def token(role: str, unit: str, sub: str | None = None) -> dict[str, str]:
    value = issue_token(JWT_SECRET, sub=sub or f"{unit.lower()}-{role}", unit=unit, roles=[role], now=datetime.now(TZ), ttl=timedelta(hours=12))
    return {"Authorization": f"Bearer {value}"}


AGENT = token("agent", "GZ-CENTER", "agent-01")
CENTER = token("center", "GZ-CENTER", "center-01")
AUDITOR = token("auditor", "GZ-AUDIT", "audit-01")
HANDLERS = {unit: token("unit_handler", unit, f"{unit.lower()}-handler") for unit in UNITS}


@dataclass
class Samples:
    """Latencies (seconds) of one kind of request, and the wall time they took together."""

    latencies: list[float] = field(default_factory=list)
    by_kind: dict[str, list[float]] = field(default_factory=dict)
    elapsed: float = 0.0
    errors: int = 0

    def add(self, kind: str, seconds: float) -> None:
        self.latencies.append(seconds)
        self.by_kind.setdefault(kind, []).append(seconds)

    @property
    def per_s(self) -> float:
        return len(self.latencies) / self.elapsed if self.elapsed else 0.0

    def ms(self, q: float, kind: str | None = None) -> float:
        return percentile(self.by_kind.get(kind, []) if kind else self.latencies, q)

    @property
    def mean_ms(self) -> float:
        return 1000 * statistics.fmean(self.latencies) if self.latencies else 0.0


def percentile(samples: list[float], q: float) -> float:
    if not samples:
        return float("nan")
    ordered = sorted(samples)
    return 1000 * ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def client(base: str, concurrency: int = 1) -> httpx2.AsyncClient:
    limits = httpx2.Limits(max_connections=concurrency + 2, max_keepalive_connections=concurrency + 2)
    return httpx2.AsyncClient(base_url=base, limits=limits, timeout=120)


class ServerError(Exception):
    """The server answered 5xx (a bug, per the API contract): counted, and the lifecycle is abandoned."""


async def _timed(samples: Samples, kind: str, call: Awaitable[httpx2.Response]) -> httpx2.Response:
    began = time.perf_counter()
    try:
        response = await call
    except httpx2.TransportError as error:  # the server dropped the connection (after an unhandled error)
        samples.errors += 1
        raise ServerError(f"{kind}: {type(error).__name__}") from error
    if response.status_code >= 500:
        samples.errors += 1
        raise ServerError(f"{kind}: {response.status_code} {response.text[:300]}")
    samples.add(kind, time.perf_counter() - began)
    if response.status_code >= 400:
        raise RuntimeError(f"{kind}: {response.status_code} {response.text[:500]}")
    return response


# ------------------------------------------------------------------ hotline commands


async def lifecycle(http: httpx2.AsyncClient, samples: Samples, n: int) -> None:
    """One case through six commands: accept, dispatch, sign, reply, revisit, close."""
    unit = UNITS[n % len(UNITS)]
    handler = HANDLERS[unit]
    case = (await _timed(samples, "accept", http.post("/v1/cases", json=ACCEPT, headers=AGENT))).json()
    path = f"/v1/cases/{case['id']}"
    await _timed(samples, "dispatch", http.post(f"{path}/dispatch", json={"lead_unit": unit}, headers=CENTER))
    await _timed(samples, "sign", http.post(f"{path}/sign", json={}, headers=handler))
    await _timed(samples, "reply", http.post(f"{path}/reply", json=REPLY, headers=handler))
    await _timed(samples, "revisit", http.post(f"{path}/revisit", json=REVISIT, headers=AGENT))
    await _timed(samples, "close", http.post(f"{path}/close", json={}, headers=CENTER))


async def commands(base: str, *, clients: int, cases_per_client: int) -> Samples:
    """``clients`` concurrent clients, each playing ``cases_per_client`` case lifecycles one after another."""
    samples = Samples()
    async with client(base, clients) as http:

        async def one(c: int) -> None:
            for k in range(cases_per_client):
                try:
                    await lifecycle(http, samples, c * cases_per_client + k)
                except ServerError:
                    continue

        began = time.perf_counter()
        await asyncio.gather(*(one(c) for c in range(clients)))
        samples.elapsed = time.perf_counter() - began
    return samples


# ------------------------------------------------------------------ the floor


async def floor_saves(base: str, *, clients: int, items_per_client: int, bumps: int = 6) -> Samples:
    """The floor app: each client creates its items (untimed), then bumps them round-robin (get + 1 event + save)."""
    samples, setup = Samples(), Samples()
    async with client(base, clients) as http:

        async def prepare() -> list[str]:
            return [(await _timed(setup, "create", http.post("/items"))).json()["id"] for _ in range(items_per_client)]

        items = await asyncio.gather(*(prepare() for _ in range(clients)))

        async def one(mine: list[str]) -> None:
            for _ in range(bumps):
                for item in mine:
                    await _timed(samples, "bump", http.post(f"/items/{item}/bump"))

        began = time.perf_counter()
        await asyncio.gather(*(one(mine) for mine in items))
        samples.elapsed = time.perf_counter() - began
    return samples


# ------------------------------------------------------------------ queries


async def replay(base: str, cases: list[tuple[str, int]]) -> Samples:
    """Each case now, and as of one day after its acceptance."""
    samples = Samples()
    async with client(base) as http:
        for case_id, accepted_us in cases:
            await _timed(samples, "now", http.get(f"/v1/cases/{case_id}", headers=CENTER))
            as_of = datetime.fromtimestamp(accepted_us / 1e6 + 86400, tz=TZ).isoformat()
            await _timed(samples, "as_of", http.get(f"/v1/cases/{case_id}", params={"as_of": as_of}, headers=CENTER))
    return samples


LIST_FILTERS: dict[str, dict[str, Any]] = {
    "status": {"status": "signed"},
    "unit": {"unit": "U-ZG"},
    "month": {"month": "2026-06"},
    "overdue": {"overdue": "true"},
    "supervised": {"supervised": "true"},
}


async def lists(base: str, repeats: int = 30) -> dict[str, Samples]:
    """``GET /v1/cases`` with each filter (first page of 50), ``repeats`` times each."""
    found: dict[str, Samples] = {}
    async with client(base) as http:
        for name, params in LIST_FILTERS.items():
            samples = found[name] = Samples()
            for _ in range(repeats):
                await _timed(samples, name, http.get("/v1/cases", params={**params, "page_size": 50}, headers=CENTER))
    return found


async def min_position(base: str, repeats: int = 40) -> tuple[Samples, Samples]:
    """A read with ``min_position`` right after a command, and a plain read right after a command."""
    waited, plain, commands_ = Samples(), Samples(), Samples()
    async with client(base) as http:
        for _ in range(repeats):
            case = (await _timed(commands_, "accept", http.post("/v1/cases", json=ACCEPT, headers=AGENT))).json()
            params = {"page_size": 1, "min_position": case["position"]}
            await _timed(waited, "min_position", http.get("/v1/cases", params=params, headers=CENTER))
            await _timed(commands_, "accept", http.post("/v1/cases", json=ACCEPT, headers=AGENT))
            await _timed(plain, "plain", http.get("/v1/cases", params={"page_size": 1}, headers=CENTER))
    return waited, plain


async def optional(base: str, path: str, headers: dict[str, str], repeats: int) -> tuple[list[float], Any] | None:
    """Latencies of ``GET path`` (and its last body), or None where the endpoint does not exist yet (404)."""
    latencies, body = [], None
    async with client(base) as http:
        for _ in range(repeats):
            began = time.perf_counter()
            response = await http.get(path, headers=headers)
            if response.status_code == 404:
                return None
            response.raise_for_status()
            latencies.append(time.perf_counter() - began)
            body = response.json() if "json" in response.headers.get("content-type", "") else None
    return latencies, body


def run(coroutine_factory: Callable[[], Awaitable[Any]]) -> Any:
    return asyncio.run(coroutine_factory())  # type: ignore[arg-type]


def sample_cases(rows: list[tuple[str, int]], k: int, seed: int = 7) -> list[tuple[str, int]]:
    rng = Random(seed)
    return rng.sample(rows, min(k, len(rows)))
