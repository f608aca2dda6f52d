"""Configuration, read from ``HOTLINE_*`` environment variables once, at the edge.

Tests and tools build a ``Settings`` themselves; nothing below the composition root reads the
environment.
"""

from __future__ import annotations

import base64
import os
import secrets
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Literal
from urllib.parse import parse_qs, unquote, urlparse

from pydantic import BaseModel, ConfigDict, Field, field_validator

DEFAULT_VAR_DIR = Path("var")


class DatabaseTarget(BaseModel):
    """Where the event log lives, parsed from ``HOTLINE_DATABASE_URL``."""

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


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True)

    database_url: str = f"sqlite:///{DEFAULT_VAR_DIR}/hotline.sqlite3"
    jwt_secret: str = ""
    cipher_key: str = ""
    clock: Literal["system", "manual"] = "system"
    clock_start: datetime | None = None
    var_dir: Path = DEFAULT_VAR_DIR
    wait_timeout: float = Field(default=5.0, gt=0, le=60)
    """How long a query with ``min_position`` waits before answering 503."""
    timekeeper_interval: float = Field(default=1.0, gt=0)
    snapshot_interval: int = Field(default=50, ge=2)
    cache_size: int = Field(default=5000, ge=0)
    max_body_bytes: int = 1024 * 1024
    follower_poll_interval: float = Field(default=1.0, gt=0)
    """How often a follower looks for events another process wrote (SQLite has no notifications)."""
    run_followers: bool = True
    token_ttl_hours: int = 12

    @field_validator("clock_start")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("HOTLINE_CLOCK_START needs an offset, e.g. 2026-09-28T09:00:00+08:00")
        return value

    @property
    def database(self) -> DatabaseTarget:
        return DatabaseTarget.parse(self.database_url)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        values: dict[str, object] = {}
        for name in cls.model_fields:
            key = f"HOTLINE_{name.upper()}"
            if env.get(key) not in (None, ""):
                values[name] = env[key]
        return cls.model_validate(values)

    def with_generated_secrets(self) -> Settings:
        """Fill a missing JWT secret and cipher key from ``var_dir``, creating them on first use."""
        self.var_dir.mkdir(parents=True, exist_ok=True)
        jwt_secret = self.jwt_secret or _secret_file(self.var_dir / "jwt-secret", lambda: secrets.token_urlsafe(48))
        cipher_key = self.cipher_key or _secret_file(
            self.var_dir / "cipher-key", lambda: base64.b64encode(secrets.token_bytes(32)).decode()
        )
        return self.model_copy(update={"jwt_secret": jwt_secret, "cipher_key": cipher_key})


def _secret_file(path: Path, make) -> str:  # noqa: ANN001
    if path.exists():
        return path.read_text().strip()
    value = make()
    path.write_text(value + "\n")
    path.chmod(0o600)
    return value
