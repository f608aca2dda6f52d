"""The one event log of the system, on SQLite or PostgreSQL, chosen by configuration.

Every application, process and read model shares one ``Store``: one recorder (so ``position``
is one sequence for the whole system), one mapper (pydantic events serialised with orjson,
optionally encrypted with AES-GCM), one snapshot store, and one wake-up bell that followers of
the log wait on.

The recorders extend the library's process recorders with two things that must commit in the
same transaction as a command's events: the ``Idempotency-Key`` record of the answer, and
nothing else. Processes record their tracking position there too (the library does that).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import orjson
from eventsourcing.cryptography import AESCipher
from eventsourcing.persistence import (
    Cipher,
    EventStore,
    IntegrityError,
    Mapper,
    Notification,
    ProgrammingError,
    StoredEvent,
    Transcoder,
    Transcoding,
)
from eventsourcing.postgres import PostgresFactory, PostgresProcessRecorder
from eventsourcing.sqlite import SQLiteFactory, SQLiteProcessRecorder
from eventsourcing.utils import Environment, get_topic, resolve_topic
from psycopg.sql import SQL, Identifier
from pydantic import BaseModel

from hotline.settings import DatabaseTarget, Settings

APP_NAME = "hotline"


class OrjsonTranscoder(Transcoder):
    """Bytes from the JSON-compatible dict a pydantic model dumps, and back."""

    def encode(self, obj: Any) -> bytes:
        return orjson.dumps(obj)

    def decode(self, data: bytes) -> Any:
        return orjson.loads(data)

    def register(self, _: Transcoding) -> None:
        raise ProgrammingError("events are pydantic models; no transcodings are registered")


class PydanticMapper(Mapper):
    """Stored events from pydantic events, keeping ``class_version`` upcasting working."""

    def to_stored_event(self, domain_event: Any) -> StoredEvent:
        model: BaseModel = domain_event
        state = model.model_dump(mode="json", exclude={"originator_id", "originator_version"})
        class_version = getattr(type(domain_event), "class_version", 1)
        if class_version > 1:
            state["class_version"] = class_version
        return StoredEvent(
            originator_id=domain_event.originator_id,
            originator_version=domain_event.originator_version,
            topic=get_topic(type(domain_event)),
            state=self.encode_state(state),
        )

    def to_domain_event(self, stored_event: StoredEvent) -> Any:
        cls = resolve_topic(stored_event.topic)
        state = cls.upcast(self.decode_state(stored_event.state))
        state["originator_id"] = stored_event.originator_id
        state["originator_version"] = stored_event.originator_version
        return cls.model_validate(state)

    def encode_state(self, state: Any) -> bytes:
        data = self.transcoder.encode(state)
        if self.compressor:
            data = self.compressor.compress(data)
        return self.cipher.encrypt(data) if self.cipher else data

    def decode_state(self, data: bytes) -> Any:
        if self.cipher:
            data = self.cipher.decrypt(data)
        if self.compressor:
            data = self.compressor.decompress(data)
        return self.transcoder.decode(data)


@dataclass(frozen=True)
class IdempotencyRecord:
    """The first answer to a command sent with an ``Idempotency-Key``, kept with its events."""

    principal: str
    key: str
    fingerprint: str
    status: int
    body: bytes
    """The answer without ``position``, encrypted like the events when a cipher key is set."""
    created_at: datetime


@dataclass(frozen=True)
class StoredAnswer:
    fingerprint: str
    status: int
    body: bytes
    position: int


class IdempotencyKeyTaken(IntegrityError):
    """Another request with the same key committed first; its answer stands."""


IDEMPOTENCY_TABLE = "hotline_idempotency"


class SQLiteRecorder(SQLiteProcessRecorder):
    """The library's SQLite process recorder, plus idempotency records and positions per aggregate."""

    def construct_create_table_statements(self) -> list[str]:
        return [
            *super().construct_create_table_statements(),
            f"CREATE TABLE IF NOT EXISTS {IDEMPOTENCY_TABLE} ("
            "principal TEXT NOT NULL, key TEXT NOT NULL, fingerprint TEXT NOT NULL, "
            "status INTEGER NOT NULL, body BLOB NOT NULL, position INTEGER NOT NULL, "
            "created_at TEXT NOT NULL, PRIMARY KEY (principal, key))",
        ]

    def _insert_events(self, c: Any, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        ids = super()._insert_events(c, stored_events, **kwargs)
        record: IdempotencyRecord | None = kwargs.get("idempotency")
        if record is not None:
            c.execute(
                f"INSERT INTO {IDEMPOTENCY_TABLE} VALUES (?,?,?,?,?,?,?) ON CONFLICT DO NOTHING RETURNING key",
                (record.principal, record.key, record.fingerprint, record.status, record.body,
                 max(ids or [0]), record.created_at.isoformat()),
            )
            if c.fetchone() is None:
                raise IdempotencyKeyTaken(record.key)
        return ids

    def select_answer(self, principal: str, key: str) -> StoredAnswer | None:
        with self.datastore.transaction(commit=False) as c:
            c.execute(
                f"SELECT fingerprint, status, body, position FROM {IDEMPOTENCY_TABLE} WHERE principal=? AND key=?",
                (principal, key),
            )
            row = c.fetchone()
        return StoredAnswer(row[0], row[1], bytes(row[2]), row[3]) if row else None

    def select_positioned(self, originator_id: UUID, lte: int | None = None) -> list[tuple[int, StoredEvent]]:
        statement = f"SELECT rowid, * FROM {self.events_table_name} WHERE originator_id=? "
        params: list[Any] = [originator_id.hex]
        if lte is not None:
            statement += "AND originator_version<=? "
            params.append(lte)
        with self.datastore.transaction(commit=False) as c:
            c.execute(statement + "ORDER BY originator_version", params)
            return [(row["rowid"], _stored(originator_id, row)) for row in c.fetchall()]


class PostgresRecorder(PostgresProcessRecorder):
    """The library's PostgreSQL process recorder, plus idempotency records and positions per aggregate.

    Inserts keep the library's ``LOCK TABLE ... IN EXCLUSIVE MODE`` so positions are committed in
    order and a follower never passes over a gap that is filled later.
    """

    def __init__(self, datastore: Any, *, events_table_name: str, tracking_table_name: str) -> None:
        super().__init__(datastore, events_table_name=events_table_name, tracking_table_name=tracking_table_name)
        schema = Identifier(self.datastore.schema)
        self.idempotency_table = SQL("{0}.{1}").format(schema, Identifier(IDEMPOTENCY_TABLE))
        self.sql_create_statements.append(
            SQL(
                "CREATE TABLE IF NOT EXISTS {0} (principal text NOT NULL, key text NOT NULL, "
                "fingerprint text NOT NULL, status int NOT NULL, body bytea NOT NULL, "
                "position bigint NOT NULL, created_at timestamptz NOT NULL, PRIMARY KEY (principal, key))"
            ).format(self.idempotency_table)
        )

    def _fetch_ids_after_insert_events(self, curs: Any, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        ids = super()._fetch_ids_after_insert_events(curs, stored_events, **kwargs)
        record: IdempotencyRecord | None = kwargs.get("idempotency")
        if record is not None:
            curs.execute(
                SQL("INSERT INTO {0} VALUES (%s,%s,%s,%s,%s,%s,%s) ON CONFLICT DO NOTHING RETURNING key").format(
                    self.idempotency_table
                ),
                (record.principal, record.key, record.fingerprint, record.status, record.body,
                 max(ids or [0]), record.created_at),
            )
            if curs.fetchone() is None:
                raise IdempotencyKeyTaken(record.key)
        return ids

    def select_answer(self, principal: str, key: str) -> StoredAnswer | None:
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(
                SQL("SELECT fingerprint, status, body, position FROM {0} WHERE principal=%s AND key=%s").format(
                    self.idempotency_table
                ),
                (principal, key),
            )
            row = curs.fetchone()
        return StoredAnswer(row["fingerprint"], row["status"], bytes(row["body"]), row["position"]) if row else None

    def select_positioned(self, originator_id: UUID, lte: int | None = None) -> list[tuple[int, StoredEvent]]:
        statement = SQL("SELECT * FROM {0}.{1} WHERE originator_id=%s ").format(
            Identifier(self.datastore.schema), Identifier(self.events_table_name)
        )
        params: list[Any] = [originator_id]
        if lte is not None:
            statement += SQL("AND originator_version<=%s ")
            params.append(lte)
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(statement + SQL("ORDER BY originator_version"), params)
            return [(row["notification_id"], _stored(originator_id, row)) for row in curs.fetchall()]


def _stored(originator_id: UUID, row: Any) -> StoredEvent:
    return StoredEvent(
        originator_id=originator_id,
        originator_version=row["originator_version"],
        topic=row["topic"],
        state=bytes(row["state"]),
    )


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


class Store:
    """The shared persistence: recorder, mapper, event and snapshot stores, SQL access for views."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.target: DatabaseTarget = settings.database
        self.env = Environment(APP_NAME, self._library_env())
        self.bell = Bell()
        if self.target.kind == "sqlite":
            self.factory: Any = SQLiteFactory(self.env)
            # One writer at a time on SQLite: wait for it as long as PostgreSQL waits for its lock.
            self.factory.datastore.pool.pool_timeout = 30.0
            self.recorder: Any = SQLiteRecorder(self.factory.datastore, events_table_name="stored_events")
        else:
            self.factory = PostgresFactory(self.env)
            if self.target.schema_name:
                with self.factory.datastore.transaction(commit=True) as curs:
                    curs.execute(SQL("CREATE SCHEMA IF NOT EXISTS {0}").format(Identifier(self.target.schema_name)))
            self.recorder = PostgresRecorder(
                self.factory.datastore,
                events_table_name=f"{APP_NAME}_events",
                tracking_table_name=f"{APP_NAME}_tracking",
            )
        self.recorder.create_table()
        self.cipher: Cipher | None = AESCipher(self.env) if settings.cipher_key else None
        self.mapper = PydanticMapper(transcoder=OrjsonTranscoder(), cipher=self.cipher)
        self.events = EventStore(mapper=self.mapper, recorder=self.recorder)
        self.snapshot_recorder = self.factory.aggregate_recorder(purpose="snapshots")
        self.snapshot_recorder.create_table()
        self.snapshots = EventStore(mapper=self.mapper, recorder=self.snapshot_recorder)
        self.sql = Sql(self)
        self._listener: threading.Thread | None = None
        self._closing = threading.Event()

    def _library_env(self) -> dict[str, str]:
        settings, target = self.settings, self.settings.database
        env = {"CREATE_TABLE": "n", "IS_SNAPSHOTTING_ENABLED": "y"}
        if settings.cache_size:
            env["AGGREGATE_CACHE_MAXSIZE"] = str(settings.cache_size)
        if settings.cipher_key:
            env["CIPHER_KEY"] = settings.cipher_key
        if target.kind == "sqlite":
            env.update(SQLITE_DBNAME=target.sqlite_path, SQLITE_LOCK_TIMEOUT="30")
        else:
            env.update(
                POSTGRES_DBNAME=target.dbname,
                POSTGRES_HOST=target.host,
                POSTGRES_PORT=str(target.port),
                POSTGRES_USER=target.user,
                POSTGRES_PASSWORD=target.password,
                POSTGRES_POOL_SIZE="8",
                POSTGRES_MAX_OVERFLOW="8",
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

    def read(self, after: int, limit: int, *, upto: int | None = None, topics: Sequence[str] = ()) -> list[Notification]:
        return list(self.recorder.select_notifications(after + 1, limit, stop=upto, topics=topics))

    def positioned_events(self, originator_id: UUID, lte: int | None = None) -> list[tuple[int, Any]]:
        """An aggregate's events with their global positions, in version order."""
        return [
            (position, self.mapper.to_domain_event(stored))
            for position, stored in self.recorder.select_positioned(originator_id, lte)
        ]

    def answer(self, principal: str, key: str) -> StoredAnswer | None:
        answer = self.recorder.select_answer(principal, key)
        if answer is not None and self.cipher is not None:
            answer = StoredAnswer(answer.fingerprint, answer.status, self.cipher.decrypt(answer.body), answer.position)
        return answer

    def seal(self, body: bytes) -> bytes:
        """Encrypt a stored answer like the events are."""
        return self.cipher.encrypt(body) if self.cipher else body

    # ---------------------------------------------------------- notifications

    def start_listening(self) -> None:
        """On PostgreSQL, ring the bell on every NOTIFY of the events channel (writes by any process)."""
        if self.target.kind != "postgres" or self._listener is not None:
            return
        self._listener = threading.Thread(target=self._listen, name="hotline-listen", daemon=True)
        self._listener.start()

    def _listen(self) -> None:
        channel = self.recorder.channel_name
        while not self._closing.is_set():
            try:
                with self.factory.datastore.get_connection() as conn:
                    conn.execute(SQL("LISTEN {0}").format(Identifier(channel)))
                    while not self._closing.is_set():
                        for _ in conn.notifies(timeout=0.5, stop_after=1):
                            self.bell.ring()
                    conn.execute(SQL("UNLISTEN {0}").format(Identifier(channel)))
            except Exception:  # noqa: BLE001 - reconnect; followers also poll
                self._closing.wait(1.0)

    def close(self) -> None:
        self._closing.set()
        if self._listener is not None:
            self._listener.join(timeout=2)
        self.factory.close()


class Sql:
    """Plain SQL for read models on the store's own connections, written once for both databases.

    Statements use ``?`` placeholders and ``{name}`` for tables; on PostgreSQL the placeholders
    become ``%s`` and tables are qualified with the configured schema.
    """

    def __init__(self, store: Store) -> None:
        self.kind = store.target.kind
        self.datastore = store.factory.datastore
        self.schema = store.factory.datastore.schema if self.kind == "postgres" else ""

    def table(self, name: str) -> str:
        return f'"{self.schema}"."{name}"' if self.kind == "postgres" else name

    def statement(self, text: str, **tables: str) -> str:
        sql = text.format(**{alias: self.table(name) for alias, name in tables.items()})
        return sql.replace("?", "%s") if self.kind == "postgres" else sql

    @contextmanager
    def transaction(self, *, commit: bool = True) -> Iterator[Cursor]:
        with self.datastore.transaction(commit=commit) as curs:
            yield Cursor(curs, self)

    def query(self, text: str, params: Sequence[Any] = (), **tables: str) -> list[dict[str, Any]]:
        with self.transaction(commit=False) as cursor:
            return cursor.fetch(text, params, **tables)


class Cursor:
    def __init__(self, raw: Any, sql: Sql) -> None:
        self.raw = raw
        self.sql = sql

    def execute(self, text: str, params: Sequence[Any] = (), **tables: str) -> None:
        self.raw.execute(self.sql.statement(text, **tables), tuple(params))

    def executemany(self, text: str, rows: Sequence[Sequence[Any]], **tables: str) -> None:
        if rows:
            self.raw.executemany(self.sql.statement(text, **tables), [tuple(r) for r in rows])

    def fetch(self, text: str, params: Sequence[Any] = (), **tables: str) -> list[dict[str, Any]]:
        self.execute(text, params, **tables)
        return [dict(row) for row in self.raw.fetchall()]
