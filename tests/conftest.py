"""Fixtures: every test that touches storage runs on SQLite and on PostgreSQL.

PostgreSQL is required: if it cannot be reached the storage tests fail, they do not skip. For a
machine without PostgreSQL, ``HOTLINE_TEST_POSTGRES=off`` runs the SQLite half only (CI never
sets it). A database is created for the run on ``HOTLINE_TEST_POSTGRES_URL`` (default
``postgresql://postgres@127.0.0.1:5432/postgres``) and each test gets its own schema in it.
"""

from __future__ import annotations

import atexit
import base64
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from cases.calendar import TZ
from hotline.bootstrap import Hotline, bootstrap
from hotline.settings import Settings
from replay.heads import generate_key

ADMIN_URL = os.environ.get("HOTLINE_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
POSTGRES_OFF = os.environ.get("HOTLINE_TEST_POSTGRES", "").lower() == "off"
JWT_SECRET = "test-secret-" + "x" * 40
START = datetime(2026, 9, 28, 9, 0, tzinfo=TZ)
"""Monday before the 2026 National Day week: 2026-10-01..07 are holidays, Sat 10-10 is a make-up day."""

STORES = ["sqlite", "postgres"]
AUDIT_KEY = Path(tempfile.mkdtemp(prefix="hotline-test-")) / "audit-ed25519.pem"
"""The key that signs the tree heads of every test run (generated once per run)."""
generate_key(AUDIT_KEY)
atexit.register(shutil.rmtree, AUDIT_KEY.parent, True)


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A database for this test run; dropped at the end."""
    if POSTGRES_OFF:
        pytest.skip("HOTLINE_TEST_POSTGRES=off: PostgreSQL half not run (never set this in CI)")
    name = f"hotline_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    try:
        admin = psycopg.connect(ADMIN_URL, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as error:
        pytest.fail(f"PostgreSQL is required for the storage tests and is unreachable at {ADMIN_URL}: {error}")
    with admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    base = ADMIN_URL.rsplit("/", 1)[0]
    yield f"{base}/{name}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture(params=STORES)
def database_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:  # noqa: ANN001
    """A fresh, empty store: a SQLite file, or a PostgreSQL schema of its own."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'hotline.sqlite3'}"
        return
    database = request.getfixturevalue("postgres_database")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    yield f"{database}?schema={schema}"
    with psycopg.connect(database, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))


def make_settings(database_url: str, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "database_url": database_url,
        "jwt_secret": JWT_SECRET,
        "cipher_key": base64.b64encode(b"k" * 32).decode(),
        "clock": "manual",
        "clock_start": START,
        "followers": "inline",
        "follower_poll_interval": 0.2,
        "wait_timeout": 10.0,
        "audit_key": AUDIT_KEY,
    }
    values.update(overrides)
    return Settings.model_validate(values)


@pytest.fixture
def settings(database_url: str) -> Settings:
    return make_settings(database_url)


@pytest.fixture
def hotline(settings: Settings) -> Iterator[Hotline]:
    built = bootstrap(settings)
    built.start()
    try:
        yield built
    finally:
        built.close()


def later(days: float = 0, hours: float = 0) -> datetime:
    return START + timedelta(days=days, hours=hours)
