"""The library's process recorders, extended with what must commit in one transaction with a command.

A command's events are inserted together with:

* its **outcome**, when the client sent an ``Idempotency-Key``: the key is *claimed first*, so a
  concurrent request with the same key waits for the first one and then fails its own transaction
  (it records nothing and answers with the first outcome);
* **writes** of indexes kept with the command (the timers of deadlines still to lapse);
* the **tracking** position of a process that derived the events (the library does that).

Either all of it commits or none of it does. On PostgreSQL the library's ``insert_events`` raises an
error met inside its pipeline only after the transaction has committed, so it is replaced here by
a plain transaction in which every error rolls everything back.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.persistence import IntegrityError, StoredEvent, Tracking
from eventsourcing.postgres import PostgresProcessRecorder
from eventsourcing.sqlite import SQLiteProcessRecorder
from psycopg.sql import SQL, Identifier, Literal

from foundation.sql import Cursor, Dialect, Write, append_only
from foundation.subscriptions import PostgresBatchSubscription, SQLiteSubscription

OUTCOMES_TABLE = "hotline_outcomes"

RawEvent = tuple[int, bytes | None, int, str, bytes]
"""A stored event exactly as its row holds it: position, originator id (16 bytes; None if the row's
id is not a UUID), originator version, topic, state (encrypted when the log is)."""


@dataclass(frozen=True)
class OutcomeClaim:
    """A command sent with an ``Idempotency-Key``: its outcome is kept with its events."""

    principal: str
    key: str
    fingerprint: str
    outcome: bytes
    """The command's outcome (ids, versions, result), sealed like the events."""
    created_at: datetime


@dataclass(frozen=True)
class StoredOutcome:
    fingerprint: str
    outcome: bytes
    position: int


class IdempotencyKeyTaken(IntegrityError):
    """Another request with the same key committed first; its outcome stands and nothing was recorded."""


class CommandRecords:
    """What both recorders add to the library's: claims, writes kept with a command, positions per aggregate."""

    dialect: Dialect
    datastore: Any
    events_table_name: str

    def outcome_statements(self) -> list[str]:
        return [
            self.dialect.statement(
                "CREATE TABLE IF NOT EXISTS {t} (principal TEXT NOT NULL, key TEXT NOT NULL, "
                "fingerprint TEXT NOT NULL, outcome " + self.blob + " NOT NULL, position BIGINT NOT NULL, "
                "created_at TEXT NOT NULL, PRIMARY KEY (principal, key))",
                t=OUTCOMES_TABLE,
            )
        ]

    @property
    def blob(self) -> str:
        return "BYTEA" if self.dialect.kind == "postgres" else "BLOB"

    def claim(self, cursor: Cursor, claim: OutcomeClaim | None) -> None:
        """Take the key before anything else: a rival with the same key waits here, then fails."""
        if claim is None:
            return
        claimed = cursor.fetch(
            "INSERT INTO {t} VALUES (?,?,?,?,0,?) ON CONFLICT DO NOTHING RETURNING key",
            (claim.principal, claim.key, claim.fingerprint, claim.outcome, claim.created_at.isoformat()),
            t=OUTCOMES_TABLE,
        )
        if not claimed:
            raise IdempotencyKeyTaken(claim.key)

    def settle(self, cursor: Cursor, claim: OutcomeClaim | None, ids: Sequence[int] | None, writes: Sequence[Write]) -> None:
        """After the events: the writes kept with them, and the position the claimed outcome ends at."""
        for write in writes:
            cursor.write(write)
        if claim is not None:
            cursor.execute(
                "UPDATE {t} SET position=? WHERE principal=? AND key=?",
                (max(ids or [0]), claim.principal, claim.key),
                t=OUTCOMES_TABLE,
            )

    def select_outcome(self, principal: str, key: str) -> StoredOutcome | None:
        with self.datastore.transaction(commit=False) as raw:
            rows = Cursor(raw, self.dialect).fetch(
                "SELECT fingerprint, outcome, position FROM {t} WHERE principal=? AND key=?",
                (principal, key),
                t=OUTCOMES_TABLE,
            )
        if not rows:
            return None
        row = rows[0]
        return StoredOutcome(row["fingerprint"], bytes(row["outcome"]), int(row["position"]))

    @property
    def position_column(self) -> str:
        return "rowid" if self.dialect.kind == "sqlite" else "notification_id"

    def last_position(self, upto: int, topics: Sequence[str] = ()) -> int:
        """The position of the last event at or before ``upto`` with one of ``topics`` (any, if none given)."""
        if upto <= 0:
            return 0
        column = self.position_column
        text = f"SELECT MAX({column}) AS last FROM {{t}} WHERE {column} <= ?"
        params: list[Any] = [upto]
        if topics:
            text += f" AND topic IN ({','.join('?' * len(topics))})"
            params += list(topics)
        with self.datastore.transaction(commit=False) as raw:
            rows = Cursor(raw, self.dialect).fetch(text, params, t=self.events_table_name)
        return int(rows[0]["last"] or 0)

    def versions_of(self, ids: Sequence[UUID]) -> dict[UUID, int]:
        """The current version of each of ``ids`` that has events, in one read of the events' key."""
        if not ids:
            return {}
        keys = [i.hex if self.dialect.kind == "sqlite" else i for i in ids]
        text = f"SELECT originator_id AS id, MAX(originator_version) AS version FROM {{t}} WHERE originator_id IN ({','.join('?' * len(keys))}) GROUP BY originator_id"
        with self.datastore.transaction(commit=False) as raw:
            rows = Cursor(raw, self.dialect).fetch(text, keys, t=self.events_table_name)
        return {UUID(str(row["id"])): int(row["version"]) for row in rows}

    def topics_between(self, after: int, upto: int) -> list[tuple[int, str]]:
        """The position and topic of every event after ``after`` up to ``upto`` (no state: an index read)."""
        if upto <= after:
            return []
        column = self.position_column
        text = f"SELECT {column} AS position, topic FROM {{t}} WHERE {column} > ? AND {column} <= ? ORDER BY {column}"
        with self.datastore.transaction(commit=False) as raw:
            rows = Cursor(raw, self.dialect).fetch(text, [after, upto], t=self.events_table_name)
        return [(int(row["position"]), row["topic"]) for row in rows]

    def record_positions(self, raw: Any, moves: Mapping[str, int], position: int) -> None:
        """Several followers' positions in one statement, in the caller's transaction: each moves from
        exactly the position its batch started from (``moves``: name → that position; 0: none yet) to
        ``position``.

        Stricter than the library's one (``_insert_tracking``), which only refuses a move that is not
        forwards: a second process following the same read models (a worker, and a server not told
        ``HOTLINE_FOLLOWERS=external``) may have recorded part of this batch's events meanwhile, and
        moving on from a position this batch did not start from would count them twice. A move that
        does not start where the store stands is an ``IntegrityError`` and rolls the caller's
        transaction back; the follower reads its position again and handles what is left.
        """
        if not moves:
            return
        self._check_has_multi_row_tracking_table(raw)  # the library's one-time upgrade of an old tracking table
        cursor, recorded = Cursor(raw, self.dialect), set()
        going = [name for name, started in moves.items() if started]
        if going:  # the usual case, one statement: each row moves on from where its batch started
            matches = " OR ".join("(application_name = ? AND notification_id = ?)" for _ in going)
            text = f"UPDATE {{t}} SET notification_id = ? WHERE notification_id < ? AND ({matches}) RETURNING application_name"
            params = [position, position, *(value for name in going for value in (name, moves[name]))]
            recorded |= {row["application_name"] for row in cursor.fetch(text, params, t=self.tracking_table)}
        new = [name for name, started in moves.items() if not started]
        if new:  # a follower's first position: nobody may have recorded one meanwhile
            values = ", ".join("(?, ?)" for _ in new)
            text = f"INSERT INTO {{t}} (application_name, notification_id) VALUES {values} ON CONFLICT (application_name) DO NOTHING RETURNING application_name"
            recorded |= {row["application_name"] for row in cursor.fetch(text, [v for name in new for v in (name, position)], t=self.tracking_table)}
        if len(recorded) != len(moves):
            missed = sorted(set(moves) - recorded)
            raise IntegrityError(f"positions of {', '.join(missed)} are not where this batch started (another process moved them)")

    def positions(self) -> dict[str, int]:
        """Every follower's recorded position, in one read."""
        with self.datastore.transaction(commit=False) as raw:
            rows = Cursor(raw, self.dialect).fetch("SELECT application_name, notification_id FROM {t}", t=self.tracking_table)
        return {row["application_name"]: int(row["notification_id"]) for row in rows}

    def delete_tracking(self, name: str) -> None:
        """Forget a follower's position (it then rebuilds from the start of the log)."""
        with self.datastore.transaction(commit=True) as raw:
            Cursor(raw, self.dialect).execute("DELETE FROM {t} WHERE application_name=?", (name,), t=self.tracking_table)

    def select_positioned(self, originator_id: UUID, lte: int | None = None) -> list[tuple[int, StoredEvent]]:
        """An aggregate's stored events with their global positions, in version order."""
        text = f"SELECT {self.position_column} AS position, originator_version, topic, state FROM {{t}} WHERE originator_id=? "
        params: list[Any] = [originator_id.hex if self.dialect.kind == "sqlite" else originator_id]
        if lte is not None:
            text += "AND originator_version<=? "
            params.append(lte)
        with self.datastore.transaction(commit=False) as raw:
            rows = Cursor(raw, self.dialect).fetch(text + "ORDER BY originator_version", params, t=self.events_table_name)
        return [
            (
                int(row["position"]),
                StoredEvent(
                    originator_id=originator_id,
                    originator_version=row["originator_version"],
                    topic=row["topic"],
                    state=bytes(row["state"]),
                ),
            )
            for row in rows
        ]


    def select_raw(self, after: int | None, upto: int | None, limit: int) -> list[RawEvent]:
        """Stored events as their rows hold them, in position order, for checking the log against its hashes.

        Read by windows of ``limit`` positions (``after`` < position ≤ ``after + limit``), so that every
        query is a short range of the position index whatever the planner thinks of the table: a
        range open to the head let PostgreSQL, with statistics older than a bulk load, read and sort
        the whole rest of the log for each chunk (verify at 100k cases fell from 191k to 51k events/s).
        Positions have holes, so a window may hold fewer rows (or none): the next one is read then.
        """
        column = self.position_column
        originator = "originator_id" if self.dialect.kind == "sqlite" else "uuid_send(originator_id)"
        text = f"SELECT {column}, {originator}, originator_version, topic, state FROM {{t}} WHERE {column} > ? AND {column} <= ? ORDER BY {column}"
        end = upto if upto is not None else self.max_notification_id() or 0
        rows: list[Any] = []
        with self.datastore.transaction(commit=False) as raw:
            cursor = Cursor(raw, self.dialect)
            if after is None:  # from the very first row, whatever its position (a row slipped in at 0 or below is a finding)
                after = int(cursor.fetch("SELECT COALESCE(MIN({c}), 1) - 1 AS first FROM {{t}}".format(c=column), t=self.events_table_name)[0]["first"])
            start = after
            while not rows and start < end:
                window = min(start + limit, end)
                rows = cursor.tuples(text, (start, window), t=self.events_table_name)
                start = window
        if self.dialect.kind == "postgres":
            return [(row[0], bytes(row[1]), row[2], row[3], bytes(row[4])) for row in rows]
        return [(row[0], _uuid_bytes(row[1]), row[2], row[3], bytes(row[4])) for row in rows]


def _uuid_bytes(value: Any) -> bytes | None:
    """SQLite keeps an originator id as 32 hex digits; anything else is not an id the log wrote."""
    if not isinstance(value, str) or len(value) != 32:
        return None
    try:
        return bytes.fromhex(value)
    except ValueError:
        return None


class SQLiteRecorder(CommandRecords, SQLiteProcessRecorder):
    """The library's SQLite process recorder (one writer at a time), plus claims, writes and a subscription."""

    tracking_table = "tracking"

    def __init__(self, datastore: Any, *, events_table_name: str, bell: Any, poll_interval: float) -> None:
        self.dialect = Dialect("sqlite")
        self.bell = bell
        self.poll_interval = poll_interval
        super().__init__(datastore, events_table_name=events_table_name)

    def subscribe(self, gt: int | None = None, topics: Sequence[str] = ()) -> SQLiteSubscription:
        return SQLiteSubscription(self, gt=gt, topics=topics)

    def construct_create_table_statements(self) -> list[str]:
        return [
            *super().construct_create_table_statements(),
            *append_only(self.dialect, self.events_table_name),
            *self.outcome_statements(),
        ]

    def _insert_events(self, c: Any, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        cursor = Cursor(c, self.dialect)
        claim: OutcomeClaim | None = kwargs.get("idempotency")
        self.claim(cursor, claim)
        ids = super()._insert_events(c, stored_events, **kwargs)
        self.settle(cursor, claim, ids, kwargs.get("writes", ()))
        return ids


class PostgresRecorder(CommandRecords, PostgresProcessRecorder):
    """The library's PostgreSQL process recorder, plus claims and writes, in one plain transaction.

    Inserts are serialised, as the library's ``LOCK TABLE ... IN EXCLUSIVE MODE`` serialises them,
    so positions are committed in order and a follower never passes over a gap that is filled
    later; but on a transaction-scoped advisory lock named after the table, because LOCK TABLE in
    that mode needs UPDATE, DELETE or TRUNCATE on the table, which a hardened service role no
    longer has (``hotline db harden``). Every writer of the log goes through this recorder.
    """

    def __init__(self, datastore: Any, *, events_table_name: str, tracking_table_name: str) -> None:
        self.dialect = Dialect("postgres", datastore.schema)
        super().__init__(datastore, events_table_name=events_table_name, tracking_table_name=tracking_table_name)
        self.sql_create_statements.extend(SQL(statement) for statement in self.outcome_statements())  # type: ignore[arg-type]
        self.tracking_table = tracking_table_name
        writers = hashlib.sha256(f"{self.dialect.schema}.{events_table_name}".encode()).digest()[:8]
        self.lock_table_statements = [
            self.lock_table_statements[0],  # SET LOCAL lock_timeout
            SQL("SELECT pg_advisory_xact_lock({0})").format(Literal(int.from_bytes(writers, "big", signed=True))),
        ]

    def subscribe(self, gt: int | None = None, topics: Sequence[str] = ()) -> PostgresBatchSubscription:
        return PostgresBatchSubscription(self, gt=gt, topics=topics)

    # ------------------------------------------- followers' positions, across processes

    @property
    def positions_channel(self) -> str:
        """Where processes that run followers say they recorded a position (one channel per log)."""
        return f"{self.channel_name}_followed"[:63]

    def announce_position(self) -> None:
        """Tell the processes that wait on followers run elsewhere: positions moved (read them)."""
        with self.datastore.get_connection() as conn:
            conn.execute(SQL("SELECT pg_notify({0}, '')").format(Literal(self.positions_channel)))

    def heard_positions(self, stopping: Any) -> Iterator[None]:
        """Once for each announcement (or burst of them), until ``stopping`` is set."""
        with self.datastore.get_connection() as conn:
            conn.execute(SQL("LISTEN {0}").format(Identifier(self.positions_channel)))
            while not stopping.is_set():
                if any(True for _ in conn.notifies(timeout=0.1, stop_after=1)):
                    yield

    def _create_table(self, curs: Any) -> None:
        """Create what is missing; an existing event table is left alone (after ``harden`` an
        administrator owns it, and PostgreSQL refuses even ``CREATE INDEX IF NOT EXISTS`` to others)."""
        curs.execute("SELECT to_regclass(%s) IS NOT NULL AS present", (f'"{self.dialect.schema}"."{self.events_table_name}"',))
        if not curs.fetchone()["present"]:
            super()._create_table(curs)
            return
        statements = self.sql_create_statements
        self.sql_create_statements = [s for s in statements if self.events_table_name not in s.as_string()]
        try:
            super()._create_table(curs)
        finally:
            self.sql_create_statements = statements

    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        claim: OutcomeClaim | None = kwargs.get("idempotency")
        tracking: Tracking | None = kwargs.get("tracking")
        ids: list[int] = []
        with self.datastore.get_connection() as conn, conn.transaction(), conn.cursor() as curs:
            cursor = Cursor(curs, self.dialect)
            self.claim(cursor, claim)
            if tracking is not None:
                self._insert_tracking(curs, tracking=tracking)
            if stored_events:
                self._insert_stored_events(curs, stored_events)
                ids = [row["notification_id"] for row in curs.fetchall()]
            self.settle(cursor, claim, ids, kwargs.get("writes", ()))
        return ids
