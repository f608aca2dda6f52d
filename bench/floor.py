"""The framework's floor: the bare ``eventsourcing`` library behind a bare FastAPI route.

``Floor`` is a stock library ``Application`` (its own recorder, its default mapper and JSON
transcoder, the same AES cipher) on the same database as the store under test (on SQLite a file of
its own beside it: the library's SQLite tables have fixed names). ``Item.bump`` is one event.

``python -m bench.floor --port P`` serves ``POST /items`` (create one) and ``POST /items/{id}/bump``
(get + 1 event + save) with uvicorn on the options ``hotline serve`` uses, in a sync route like
hotline's (run in the thread pool), so the HTTP figures of hotline and of the floor differ only by
what hotline does on top.
"""

from __future__ import annotations

import argparse
import os
from typing import Any
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event

NOTE = "已现场核查并处理，处理结果已告知诉求人。" * 4
"""About the size of a case event's payload."""


class Item(Aggregate):
    @event("Created")
    def __init__(self, note: str) -> None:
        self.note = note
        self.bumps = 0

    @event("Bumped")
    def bump(self, note: str) -> None:
        self.note = note
        self.bumps += 1


class Floor(Application):
    name = "floor"


def floor_env(database_url: str, cipher_key: str, sqlite_path: str) -> dict[str, str]:
    """The library's own configuration for the database ``database_url`` names."""
    from foundation.database import DatabaseTarget

    target = DatabaseTarget.parse(database_url)
    env = {"CREATE_TABLE": "y", "CIPHER_TOPIC": "eventsourcing.cryptography:AESCipher", "CIPHER_KEY": cipher_key}
    if target.kind == "sqlite":
        env.update(PERSISTENCE_MODULE="eventsourcing.sqlite", SQLITE_DBNAME=sqlite_path, SQLITE_LOCK_TIMEOUT="30")
    else:
        env.update(
            PERSISTENCE_MODULE="eventsourcing.postgres", POSTGRES_DBNAME=target.dbname, POSTGRES_HOST=target.host,
            POSTGRES_PORT=str(target.port), POSTGRES_USER=target.user, POSTGRES_PASSWORD=target.password,
            POSTGRES_POOL_SIZE="10", POSTGRES_MAX_OVERFLOW="10",
        )
        if target.schema_name:
            env["POSTGRES_SCHEMA"] = target.schema_name
    return env


def create_floor_app(floor: Floor) -> Any:
    from fastapi import FastAPI

    app = FastAPI(title="bench floor")

    @app.post("/items", status_code=201)
    def create_item() -> dict[str, Any]:
        item = Item(note=NOTE)
        floor.save(item)
        return {"id": str(item.id), "version": item.version}

    @app.post("/items/{item_id}/bump")
    def bump(item_id: UUID) -> dict[str, Any]:
        item = floor.repository.get(item_id)
        item.bump(NOTE)
        floor.save(item)
        return {"id": str(item.id), "version": item.version}

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return app


def main() -> None:
    import uvicorn

    from hotline.cli import uvicorn_options

    parser = argparse.ArgumentParser(prog="python -m bench.floor")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    env = floor_env(os.environ["HOTLINE_DATABASE_URL"], os.environ["HOTLINE_CIPHER_KEY"], os.environ["BENCH_FLOOR_SQLITE"])
    floor = Floor(env=env)
    uvicorn.run(create_floor_app(floor), host=args.host, port=args.port, **uvicorn_options())  # type: ignore[arg-type]


if __name__ == "__main__":
    main()
