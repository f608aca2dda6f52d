"""Make PostgreSQL refuse UPDATE, DELETE and TRUNCATE on append-only tables for the service's role.

SQLite refuses them with triggers created with the tables (``sql.append_only``). On PostgreSQL a
trigger would not stop the tables' owner (who may drop it), so the refusal is a matter of
privileges, and the service must not own the tables: run as an administrator, ``harden``

* gives each table to the administrator if the service's role owns it (an owner can always grant
  itself back what was revoked),
* revokes UPDATE, DELETE and TRUNCATE from the service's role and from PUBLIC,
* grants the service's role what it needs: SELECT and INSERT on the tables, USAGE on their
  sequences and on the schema.

The service keeps working: its inserts serialise on an advisory lock, not on ``LOCK TABLE``
(which needs UPDATE, DELETE or TRUNCATE). A superuser ignores privileges altogether, so the service
must not run as one; ``harden`` says so when it does.
"""

from __future__ import annotations

from collections.abc import Sequence

import psycopg
from psycopg import sql

from foundation.database import DatabaseTarget


def harden(target: DatabaseTarget, role: str, tables: Sequence[str]) -> list[str]:
    """Harden ``tables`` against ``role``, connected as ``target``'s user; returns what was done, line by line."""
    if target.kind != "postgres":
        return ["SQLite: the append-only tables already refuse UPDATE and DELETE (triggers created with the tables)"]
    schema = target.schema_name or "public"
    done: list[str] = []
    with psycopg.connect(
        host=target.host, port=target.port, user=target.user, password=target.password or None, dbname=target.dbname, autocommit=False
    ) as conn:
        admin = conn.execute("SELECT current_user").fetchone()[0]  # type: ignore[index]
        if admin == role:
            raise ValueError(f"run harden as an administrator, not as the service's role {role}")
        superuser = conn.execute("SELECT rolsuper FROM pg_roles WHERE rolname = %s", (role,)).fetchone()
        if superuser is None:
            raise ValueError(f"there is no role {role}")
        if superuser[0]:
            done.append(f"WARNING: {role} is a superuser and ignores privileges; run the service as an ordinary role")
        grantee = sql.Identifier(role)
        conn.execute(sql.SQL("GRANT USAGE ON SCHEMA {} TO {}").format(sql.Identifier(schema), grantee))
        for table in tables:
            owner = conn.execute("SELECT tableowner FROM pg_tables WHERE schemaname = %s AND tablename = %s", (schema, table)).fetchone()
            if owner is None:
                done.append(f"{schema}.{table}: no such table (start the service once to create it)")
                continue
            name = sql.Identifier(schema, table)
            if owner[0] == role:
                conn.execute(sql.SQL("ALTER TABLE {} OWNER TO CURRENT_USER").format(name))
                done.append(f"{schema}.{table}: owner {role} -> {admin}")
            conn.execute(sql.SQL("REVOKE UPDATE, DELETE, TRUNCATE ON {} FROM {}, PUBLIC").format(name, grantee))
            conn.execute(sql.SQL("GRANT SELECT, INSERT ON {} TO {}").format(name, grantee))
            done.append(f"{schema}.{table}: {role} may SELECT and INSERT; UPDATE, DELETE and TRUNCATE revoked")
            sequences = conn.execute(
                "SELECT pg_get_serial_sequence(%s, attname) FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 "
                "AND NOT attisdropped",
                (f'"{schema}"."{table}"', f'"{schema}"."{table}"'),
            ).fetchall()
            for (sequence,) in sequences:
                if sequence:
                    conn.execute(sql.SQL("GRANT USAGE, SELECT ON SEQUENCE {} TO {}").format(sql.SQL(sequence), grantee))
                    done.append(f"{sequence}: {role} may draw positions from it")
        conn.commit()
    return done
