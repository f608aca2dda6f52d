"""The database itself refuses to rewrite the log: SQLite triggers; PostgreSQL privileges (``hotline db harden``)."""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterator

import psycopg
import pytest
from psycopg import errors, sql

from foundation.database import DatabaseTarget
from foundation.hardening import harden
from hotline.bootstrap import Hotline, bootstrap
from replay.heads import HEADS
from tests.builders import CENTER
from tests.conftest import later, make_settings
from tests.world import accept, seed_units

pytestmark = pytest.mark.storage


def test_sqlite_refuses_updates_and_deletes_of_events_and_heads(tmp_path) -> None:  # noqa: ANN001
    path = tmp_path / "hotline.sqlite3"
    hotline = bootstrap(make_settings(f"sqlite:///{path}"))
    try:
        hotline.start()
        seed_units(hotline)
        hotline.audit.sign()
    finally:
        hotline.close()
    with sqlite3.connect(path) as conn:
        for statement in (
            "UPDATE stored_events SET state = x'00'",
            "DELETE FROM stored_events",
            "UPDATE audit_heads SET size = 0",
            "DELETE FROM audit_heads",
        ):
            with pytest.raises(sqlite3.IntegrityError, match="append-only"):
                conn.execute(statement)
        conn.execute("INSERT INTO audit_heads VALUES (1, 2, 'r', 'c')")  # appending stays possible
    assert harden(DatabaseTarget.parse(f"sqlite:///{path}"), "anyone", ["stored_events"])[0].startswith("SQLite")


@pytest.fixture
def service_role(postgres_database: str) -> Iterator[tuple[str, str]]:
    """A role the service connects as, owning a schema of its own (as a deployment sets it up)."""
    role, schema = f"hotline_svc_{uuid.uuid4().hex[:8]}", f"h_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(postgres_database, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(role)))
        admin.execute(sql.SQL("CREATE SCHEMA {} AUTHORIZATION {}").format(sql.Identifier(schema), sql.Identifier(role)))
    yield role, schema
    with psycopg.connect(postgres_database, autocommit=True) as admin:
        admin.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))
        admin.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(role)))
        admin.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))


def _rewrites(url: str, schema: str) -> dict[str, str]:
    """What the service's role may still do to the log and the heads (each try rolled back)."""
    outcome = {}
    with psycopg.connect(url) as conn:
        for name, statement in {
            "update": "UPDATE {}.hotline_events SET state = state",
            "delete": "DELETE FROM {}.hotline_events",
            "truncate": "TRUNCATE {}.hotline_events",
            "heads": "DELETE FROM {}.audit_heads",
        }.items():
            try:
                with conn.transaction(force_rollback=True):
                    conn.execute(sql.SQL(statement).format(sql.Identifier(schema)))
                outcome[name] = "allowed"
            except errors.InsufficientPrivilege:
                outcome[name] = "refused"
    return outcome


def _service(url: str) -> Hotline:
    hotline = bootstrap(make_settings(url))
    hotline.start()
    return hotline


def test_postgres_harden_leaves_the_service_role_only_select_and_insert(postgres_database: str, service_role: tuple[str, str]) -> None:
    role, schema = service_role
    base = postgres_database.replace("postgres@", f"{role}@", 1)
    service_url = f"{base}?schema={schema}"
    hotline = _service(service_url)
    try:
        seed_units(hotline)
        hotline.audit.sign()
    finally:
        hotline.close()
    assert set(_rewrites(base, schema).values()) == {"allowed"}  # the owner may rewrite its own log

    done = harden(DatabaseTarget.parse(f"{postgres_database}?schema={schema}"), role, ["hotline_events", HEADS])
    assert any("owner" in line for line in done)
    assert _rewrites(base, schema) == {"update": "refused", "delete": "refused", "truncate": "refused", "heads": "refused"}

    hotline = _service(service_url)  # and the service still starts, records, follows and signs
    try:
        case_id = accept(hotline, later(hours=1))
        hotline.followers.catch_up()
        head = hotline.audit.sign()
        assert head.size == hotline.store.head()
        assert hotline.cases.case(case_id, CENTER).version == 1
        assert hotline.audit.verify().ok
    finally:
        hotline.close()

