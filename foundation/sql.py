"""Plain SQL on the store's own connections, written once for both databases.

Statements use ``?`` placeholders and ``{name}`` for tables; on PostgreSQL the placeholders
become ``%s`` and tables are qualified with the configured schema. Read models, the write-side
timer index and the integrity tree all write through this one dialect.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from psycopg.rows import tuple_row


@dataclass(frozen=True)
class Dialect:
    kind: str
    """``sqlite`` or ``postgres``."""
    schema: str = ""

    def table(self, name: str) -> str:
        return f'"{self.schema}"."{name}"' if self.kind == "postgres" else name

    def statement(self, text: str, **tables: str) -> str:
        sql = text.format(**{alias: self.table(name) for alias, name in tables.items()})
        return sql.replace("?", "%s") if self.kind == "postgres" else sql


@dataclass(frozen=True)
class Write:
    """Rows to write in the same transaction as a command's events (an index saved with the command)."""

    text: str
    rows: Sequence[Sequence[Any]]
    tables: dict[str, str] = field(default_factory=dict)


APPEND_ONLY = "append-only table: rows are never updated or deleted"


def append_only(dialect: Dialect, table: str) -> list[str]:
    """Statements that make the database itself refuse UPDATE and DELETE on ``table``.

    On SQLite these are triggers that abort, created with the table. On PostgreSQL the refusal is a
    matter of privileges (``hotline db harden`` revokes UPDATE, DELETE and TRUNCATE from the service
    role), so nothing is created here.
    """
    if dialect.kind != "sqlite":
        return []
    return [
        f"CREATE TRIGGER IF NOT EXISTS {table}_no_{action.lower()} BEFORE {action} ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{table}: {APPEND_ONLY}'); END"
        for action in ("UPDATE", "DELETE")
    ]


def storable(value: Any) -> Any:
    """Text a PostgreSQL text column can hold: NUL becomes U+FFFD (the replacement character)."""
    return value.replace("\x00", "\ufffd") if isinstance(value, str) and "\x00" in value else value


class Cursor:
    """A database cursor that speaks the neutral dialect.

    A cursor for a read model (``storable=True``) writes text as ``storable`` makes it, on both
    databases alike: an event that carries a character the database cannot hold must not stop
    the read model (the event itself is stored as bytes and keeps it).
    """

    def __init__(self, raw: Any, dialect: Dialect, *, storable: bool = False) -> None:
        self.raw = raw
        self.dialect = dialect
        self.storable = storable

    def _params(self, params: Sequence[Any]) -> tuple[Any, ...]:
        return tuple(storable(p) for p in params) if self.storable else tuple(params)

    def execute(self, text: str, params: Sequence[Any] = (), **tables: str) -> None:
        self.raw.execute(self.dialect.statement(text, **tables), self._params(params))

    def executemany(self, text: str, rows: Sequence[Sequence[Any]], **tables: str) -> None:
        if rows:
            self.raw.executemany(self.dialect.statement(text, **tables), [self._params(r) for r in rows])

    def fetch(self, text: str, params: Sequence[Any] = (), **tables: str) -> list[dict[str, Any]]:
        self.execute(text, params, **tables)
        return [dict(row) for row in self.raw.fetchall()]

    def tuples(self, text: str, params: Sequence[Any] = (), **tables: str) -> list[tuple[Any, ...]]:
        """Rows as plain tuples, in the same transaction (for reading many rows fast)."""
        if self.dialect.kind == "sqlite":
            cursor = self.raw.sqlite_cursor.connection.cursor()
            cursor.row_factory = None
        else:
            cursor = self.raw.connection.cursor(row_factory=tuple_row, binary=True)
        try:
            cursor.execute(self.dialect.statement(text, **tables), tuple(params))
            return cursor.fetchall()
        finally:
            cursor.close()

    def write(self, write: Write) -> None:
        self.executemany(write.text, write.rows, **write.tables)


class Sql:
    """Transactions and queries on the store's datastore, in the neutral dialect."""

    def __init__(self, datastore: Any, dialect: Dialect) -> None:
        self.datastore = datastore
        self.dialect = dialect
        self.kind = dialect.kind

    def table(self, name: str) -> str:
        return self.dialect.table(name)

    @contextmanager
    def transaction(self, *, commit: bool = True, storable: bool = False, durable: bool = True) -> Iterator[Cursor]:
        """A transaction; ``durable=False``: its commit does not wait for the disk.

        For what can be derived again from the log, and only that (the read models): a power cut
        may lose the last such commits, whole, with the positions recorded in them, and the
        followers derive them again at the next start. The log's own writers (commands, the rules
        process) always wait for the disk; a commit that waits also makes every earlier one durable
        (one write-ahead log in both databases). On SQLite the connection's safety level can only
        change outside a transaction, so it is lowered around this one and restored; on
        PostgreSQL ``SET LOCAL`` ends with the transaction.
        """
        if durable or not commit:
            with self.datastore.transaction(commit=commit) as curs:
                yield Cursor(curs, self.dialect, storable=storable)
            return
        if self.kind == "postgres":
            with self.datastore.transaction(commit=True) as curs:
                curs.execute("SET LOCAL synchronous_commit = off")
                yield Cursor(curs, self.dialect, storable=storable)
            return
        with self.datastore.get_connection(commit=True) as connection:
            raw = connection._sqlite_conn  # noqa: SLF001 - the library's pooled connection has no setting for this
            level = raw.execute("PRAGMA synchronous").fetchone()[0]
            raw.execute("PRAGMA synchronous = NORMAL")
            try:
                with connection.transaction(commit=True) as curs:
                    yield Cursor(curs, self.dialect, storable=storable)
            finally:
                raw.execute(f"PRAGMA synchronous = {int(level)}")

    def has_table(self, name: str) -> bool:
        if self.kind == "sqlite":
            return bool(self.query("SELECT 1 AS present FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)))
        return bool(self.query("SELECT to_regclass(?) IS NOT NULL AS present", (self.table(name),))[0]["present"])

    def query(self, text: str, params: Sequence[Any] = (), **tables: str) -> list[dict[str, Any]]:
        with self.transaction(commit=False) as cursor:
            return cursor.fetch(text, params, **tables)
