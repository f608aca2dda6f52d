"""End-to-end: the real service in a subprocess, over sockets, on a real store."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from tests.live import LiveService, bearer

ADMIN = bearer("admin", "C")
CENTER = bearer("center", "C")
AGENT = bearer("agent", "C")


def handler(unit: str) -> dict[str, str]:
    return bearer("unit_handler", unit, sub=f"{unit}-handler")


def seed_over_http(service: LiveService) -> None:
    """The units of ``tests.world`` (center C, members U1-U3), registered through the API."""
    for unit_id, kind in (("C", "center"), ("U1", "member"), ("U2", "member"), ("U3", "member")):
        answer = service.post("/v1/units", {"id": unit_id, "name": f"unit {unit_id}", "kind": kind}, ADMIN)
        assert answer.status in (201, 409), answer
    for unit_id in ("U1", "U2", "U3"):
        staff = {"id": f"{unit_id}-leader", "name": "leader", "responsible_leader": True}
        assert service.post(f"/v1/units/{unit_id}/staff", staff, ADMIN).status in (201, 409)


CASE = {
    "channel": "phone",
    "category": "environment",
    "summary": "noise at night",
    "content": "construction after 22:00",
    "requester": {"name": "张三", "phone": "13812345678"},
}


def postgres_schema_url(database: str) -> Iterator[str]:
    schema = f"e2e_{uuid.uuid4().hex[:12]}"
    yield f"{database}?schema={schema}"
    with psycopg.connect(database, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))


@pytest.fixture(scope="module")
def postgres_url(postgres_database: str) -> Iterator[str]:
    yield from postgres_schema_url(postgres_database)


@pytest.fixture(scope="module")
def live_postgres(postgres_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveService]:
    """One service on PostgreSQL for a module, its units registered."""
    workdir: Path = tmp_path_factory.mktemp("live-pg")
    with LiveService(postgres_url, workdir) as service:
        seed_over_http(service)
        yield service
