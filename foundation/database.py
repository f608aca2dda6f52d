"""Where the event log lives: a SQLite file (the embedded default) or a PostgreSQL database."""

from __future__ import annotations

from typing import Literal
from urllib.parse import parse_qs, unquote, urlparse

from pydantic import BaseModel, ConfigDict


class DatabaseTarget(BaseModel):
    """The parsed ``HOTLINE_DATABASE_URL``: ``sqlite:///path`` or ``postgresql://user@host:port/db[?schema=s]``."""

    model_config = ConfigDict(frozen=True)

    kind: Literal["sqlite", "postgres"]
    sqlite_path: str = ""
    host: str = ""
    port: int = 5432
    user: str = ""
    password: str = ""
    dbname: str = ""
    schema_name: str = ""

    @classmethod
    def parse(cls, url: str) -> DatabaseTarget:
        parsed = urlparse(url)
        if parsed.scheme == "sqlite":
            path = unquote(url[len("sqlite:///") :]) if url.startswith("sqlite:///") else ""
            if not path:
                raise ValueError("HOTLINE_DATABASE_URL: use sqlite:///path/to/file.sqlite3")
            return cls(kind="sqlite", sqlite_path=path)
        if parsed.scheme in ("postgresql", "postgres"):
            query = parse_qs(parsed.query)
            return cls(
                kind="postgres",
                host=parsed.hostname or "127.0.0.1",
                port=parsed.port or 5432,
                user=unquote(parsed.username or "postgres"),
                password=unquote(parsed.password or ""),
                dbname=(parsed.path or "/").lstrip("/") or "postgres",
                schema_name=(query.get("schema") or [""])[0],
            )
        raise ValueError(
            f"HOTLINE_DATABASE_URL: unsupported scheme '{parsed.scheme}'; use sqlite:/// or postgresql://"
        )

    def describe(self) -> str:
        """For logs and /health: where, without the password."""
        if self.kind == "sqlite":
            return f"sqlite:{self.sqlite_path}"
        schema = f" schema {self.schema_name}" if self.schema_name else ""
        return f"postgresql://{self.user}@{self.host}:{self.port}/{self.dbname}{schema}"
