"""Someone with write access to the database, going around the service: plain SQL on the event table."""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg import sql


class Attacker:
    def __init__(self, hotline: Any) -> None:
        target = hotline.store.target
        self.kind = target.kind
        self.target = target
        self.table = "stored_events" if self.kind == "sqlite" else "hotline_events"
        self.position = "rowid" if self.kind == "sqlite" else "notification_id"

    @contextmanager
    def connection(self) -> Iterator[Any]:
        if self.kind == "sqlite":
            conn = sqlite3.connect(self.target.sqlite_path, timeout=30)
            try:
                yield conn
                conn.commit()
            finally:
                conn.close()
            return
        t = self.target
        with psycopg.connect(host=t.host, port=t.port, user=t.user, dbname=t.dbname, autocommit=False) as conn:
            conn.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(t.schema_name or "public")))
            yield conn
            conn.commit()

    def run(self, text: str, params: tuple[Any, ...] = ()) -> list[Any]:
        with self.connection() as conn:
            cursor = conn.execute(text.replace("?", "%s") if self.kind == "postgres" else text, params)
            return cursor.fetchall() if cursor.description else []

    def positions(self) -> list[int]:
        return [row[0] for row in self.run(f"SELECT {self.position} FROM {self.table} ORDER BY {self.position}")]

    def row(self, position: int) -> tuple[Any, int, str, bytes]:
        rows = self.run(f"SELECT originator_id, originator_version, topic, state FROM {self.table} WHERE {self.position} = ?", (position,))
        originator, version, topic, state = rows[0]
        return originator, version, topic, bytes(state)

    def drop_triggers(self) -> None:
        """What an attacker does first on SQLite (PostgreSQL has none: privileges, see ``hotline db harden``)."""
        if self.kind == "sqlite":
            for table in (self.table, "audit_heads"):
                for action in ("update", "delete"):
                    self.run(f"DROP TRIGGER IF EXISTS {table}_no_{action}")

    def change_byte(self, position: int, offset: int = 20) -> None:
        state = bytearray(self.row(position)[3])
        state[offset] ^= 0x01
        self.run(f"UPDATE {self.table} SET state = ? WHERE {self.position} = ?", (bytes(state), position))

    def delete(self, position: int) -> None:
        self.run(f"DELETE FROM {self.table} WHERE {self.position} = ?", (position,))

    def insert(self, position: int, like: int) -> None:
        """A new event (a copy of the one at ``like`` under another aggregate id) at ``position``."""
        _, version, topic, state = self.row(like)
        originator = uuid.uuid4().hex if self.kind == "sqlite" else uuid.uuid4()
        self.run(
            f"INSERT INTO {self.table} ({self.position}, originator_id, originator_version, topic, state) VALUES (?,?,?,?,?)",
            (position, originator, version, topic, state),
        )

    def swap(self, first: int, second: int) -> None:
        """Reorder two events: each takes the other's position."""
        with self.connection() as conn:
            statements = [(-7, first), (first, second), (second, -7)]
            for to, at in statements:
                text = f"UPDATE {self.table} SET {self.position} = ? WHERE {self.position} = ?"
                conn.execute(text.replace("?", "%s") if self.kind == "postgres" else text, (to, at))

    def forget_heads(self) -> None:
        self.run("DELETE FROM audit_heads")
