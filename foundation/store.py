"""The one event log of the system, on SQLite or PostgreSQL, chosen by configuration.

Every application, process and read model shares one ``Store``: one recorder (so ``position``
is one sequence for the whole system), one mapper (pydantic events serialised with orjson,
optionally encrypted with AES-GCM), one snapshot store, and one wake-up bell that followers of
the log wait on.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from eventsourcing.cryptography import AESCipher
from eventsourcing.persistence import Cipher, EventStore, Notification
from eventsourcing.postgres import PostgresFactory
from eventsourcing.sqlite import SQLiteDatastore, SQLiteFactory
from eventsourcing.utils import Environment
from psycopg.sql import SQL, Identifier

from foundation.database import DatabaseTarget
from foundation.recorders import PostgresRecorder, RawEvent, SQLiteRecorder, StoredOutcome
from foundation.serialization import OrjsonTranscoder, PydanticMapper
from foundation.sql import Sql

APP_NAME = "hotline"


@dataclass(frozen=True)
class StoreConfig:
    target: DatabaseTarget
    cipher_key: str = ""
    """Base64 AES key; when set, events, snapshots and kept outcomes are encrypted (AES-GCM)."""
    cache_size: int = 0
    """Aggregates kept in memory by each application (fast-forwarded from the log on each read)."""
    poll_interval: float = 1.0
    """How often followers look for events another process wrote (SQLite has no notifications)."""


class Bell:
    """Wakes the followers of the log when something was recorded (in this process or, on PostgreSQL, any)."""

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._rings = 0

    def ring(self) -> None:
        with self._condition:
            self._rings += 1
            self._condition.notify_all()

    def wait(self, seen: int, timeout: float) -> int:
        """Block until rung after ``seen`` rings (or timeout); return the ring count."""
        with self._condition:
            self._condition.wait_for(lambda: self._rings > seen, timeout=timeout)
            return self._rings

    @property
    def rings(self) -> int:
        return self._rings


def _private_sqlite_file(path: str) -> None:
    """Create a new SQLite file for its owner only (0600; its -wal and -shm files follow the file's mode)."""
    if not path or path.startswith((":", "file:")) or os.path.exists(path):
        return
    parent = os.path.dirname(path)
    if parent and not os.path.exists(parent):
        os.makedirs(parent, mode=0o700, exist_ok=True)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))


class Store:
    """The shared persistence: recorder, mapper, event and snapshot stores, SQL access for views."""

    def __init__(self, config: StoreConfig) -> None:
        self.config = config
        self.target = config.target
        self.env = Environment(APP_NAME, self._library_env())
        self.bell = Bell()
        self.retries = 0
        """Commands decided again after a concurrent write to one of their aggregates (``/metrics``: a rising count means contention)."""
        if self.target.kind == "sqlite":
            _private_sqlite_file(self.target.sqlite_path)
            self.factory: Any = _sqlite_factory(self.env, self.target.sqlite_path)
            # One writer at a time on SQLite: wait for it as long as PostgreSQL waits for its lock.
            self.factory.datastore.pool.pool_timeout = 30.0
            self.recorder: Any = SQLiteRecorder(
                self.factory.datastore, events_table_name="stored_events", bell=self.bell, poll_interval=config.poll_interval
            )
        else:
            self.factory = PostgresFactory(self.env)
            if self.target.schema_name:
                with self.factory.datastore.transaction(commit=True) as curs:
                    # Only when missing: a (hardened) service role need not be allowed to create schemas.
                    curs.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (self.target.schema_name,))
                    if not curs.fetchall():
                        curs.execute(SQL("CREATE SCHEMA IF NOT EXISTS {0}").format(Identifier(self.target.schema_name)))
            self.recorder = PostgresRecorder(
                self.factory.datastore,
                events_table_name=f"{APP_NAME}_events",
                tracking_table_name=f"{APP_NAME}_tracking",
            )
        self.recorder.create_table()
        self.cipher: Cipher | None = AESCipher(self.env) if config.cipher_key else None
        self.mapper = PydanticMapper(transcoder=OrjsonTranscoder(), cipher=self.cipher)
        self.events = EventStore(mapper=self.mapper, recorder=self.recorder)
        self.snapshot_recorder = self.factory.aggregate_recorder(purpose="snapshots")
        self.snapshot_recorder.create_table()
        self.snapshots = EventStore(mapper=self.mapper, recorder=self.snapshot_recorder)
        self.sql = Sql(self.factory.datastore, self.recorder.dialect)

    @property
    def events_table(self) -> str:
        return self.recorder.events_table_name

    def _library_env(self) -> dict[str, str]:
        config, target = self.config, self.config.target
        env = {"CREATE_TABLE": "n", "IS_SNAPSHOTTING_ENABLED": "y"}
        if config.cache_size:
            env["AGGREGATE_CACHE_MAXSIZE"] = str(config.cache_size)
        if config.cipher_key:
            env["CIPHER_KEY"] = config.cipher_key
        if target.kind == "sqlite":
            env.update(SQLITE_DBNAME=target.sqlite_path, SQLITE_LOCK_TIMEOUT="30")
        else:
            env.update(
                POSTGRES_DBNAME=target.dbname,
                POSTGRES_HOST=target.host,
                POSTGRES_PORT=str(target.port),
                POSTGRES_USER=target.user,
                POSTGRES_PASSWORD=target.password,
                POSTGRES_POOL_SIZE="10",
                POSTGRES_MAX_OVERFLOW="10",
                POSTGRES_CONNECT_TIMEOUT="10",
                POSTGRES_LOCK_TIMEOUT="10",
                POSTGRES_ENABLE_DB_FUNCTIONS="n",
            )
            if target.schema_name:
                env["POSTGRES_SCHEMA"] = target.schema_name
        return env

    # --------------------------------------------------------------- the log

    def head(self) -> int:
        """The position of the last event recorded (0 for an empty log)."""
        return self.recorder.max_notification_id() or 0

    def read(self, after: int, limit: int, *, upto: int | None = None, topics: tuple[str, ...] = ()) -> list[Notification]:
        return list(self.recorder.select_notifications(after + 1, limit, stop=upto, topics=topics))

    def positioned_events(self, originator_id: UUID, lte: int | None = None) -> list[tuple[int, Any]]:
        """An aggregate's events with their global positions, in version order."""
        return [
            (position, self.mapper.to_domain_event(stored))
            for position, stored in self.recorder.select_positioned(originator_id, lte)
        ]

    def raw_events(self, after: int | None, upto: int | None, limit: int) -> list[RawEvent]:
        """Stored events exactly as their rows hold them (nothing decoded or decrypted), in position order."""
        return self.recorder.select_raw(after, upto, limit)

    def outcome(self, principal: str, key: str) -> StoredOutcome | None:
        """The kept outcome of a command sent with ``key`` by ``principal`` (decrypted)."""
        stored = self.recorder.select_outcome(principal, key)
        if stored is not None and self.cipher is not None:
            stored = StoredOutcome(stored.fingerprint, self.cipher.decrypt(stored.outcome), stored.position)
        return stored

    def seal(self, data: bytes) -> bytes:
        """Encrypt a kept outcome like the events are."""
        return self.cipher.encrypt(data) if self.cipher else data

    def close(self) -> None:
        self.factory.close()


SQLITE_POOL = (16, 48, 30.0)
"""Connections kept, more opened under load, and seconds a thread waits for one (SQLite).

The library's defaults (5, 10, 5 s) are sized for a few threads: under 16 concurrent commands
plus the followers, threads queued for a connection and overflow connections were opened and
closed per request (the bench's 16-client tail). An open SQLite connection costs a file handle
and its page cache; 16 kept is little, and the 64 at most exceed the HTTP and waiter thread pools.
"""


def _sqlite_factory(env: Environment, path: str) -> SQLiteFactory:
    """The library's SQLite factory, with its datastore's connection pool sized by ``SQLITE_POOL``."""
    factory = SQLiteFactory(env)
    library = factory.datastore
    kept, more, wait = SQLITE_POOL
    factory.datastore = SQLiteDatastore(
        path, lock_timeout=library.pool.lock_timeout, pool_size=kept, max_overflow=more, pool_timeout=wait,
        single_row_tracking=library.single_row_tracking, originator_id_type=library.originator_id_type,
    )
    library.close()
    return factory

