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

from pydantic import BaseModel, ConfigDict, Field, field_validator

from foundation.database import DatabaseTarget

DEFAULT_VAR_DIR = Path("var")


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
    max_waiters: int = Field(default=32, ge=1, le=1000)
    """How many queries may wait on ``min_position`` at once; more get 429 with ``Retry-After``."""
    timekeeper_interval: float = Field(default=1.0, gt=0)
    snapshot_interval: int = Field(default=50, ge=2)
    cache_size: int = Field(default=5000, ge=0)
    max_body_bytes: int = 1024 * 1024
    follower_poll_interval: float = Field(default=1.0, gt=0)
    """How often a follower looks for events another process wrote (SQLite has no notifications)."""
    follower_linger: float = Field(default=0.01, ge=0, le=1)
    """Seconds a follower lets a small batch of new events grow before handling it (its cost is mostly
    per batch); a query with ``min_position`` cuts it short, so only readers that do not wait see it."""
    followers: Literal["embedded", "external", "inline"] = "embedded"
    """Where the read models and the rules process run: threads in this process (``embedded``), a
    separate ``hotline projections run`` worker (``external``: this process only waits for them),
    or in the thread that waits for them (``inline``: tests and tools)."""
    token_ttl_hours: int = 12
    audit_key: Path | None = None
    """The Ed25519 key that signs tree heads (PKCS#8 PEM); none: heads are not signed. ``hotline
    serve`` generates ``var/audit-ed25519.pem`` (0600) when unset."""
    audit_origin: str = "hotline.12345.ganzhou/events"
    """The log's name on its checkpoints (first line) and its signing key's name."""
    audit_head_interval: float = Field(default=60.0, gt=0)
    """Seconds between signed tree heads, signed only when the tree grew."""

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
        """Fill a missing JWT secret and cipher key from ``var_dir``, creating them on first use.

        ``var_dir`` is created readable by its owner only (0700), the secrets 0600.
        """
        private_dir(self.var_dir)
        jwt_secret = self.jwt_secret or _secret_file(self.var_dir / "jwt-secret", lambda: secrets.token_urlsafe(48))
        cipher_key = self.cipher_key or _secret_file(
            self.var_dir / "cipher-key", lambda: base64.b64encode(secrets.token_bytes(32)).decode()
        )
        audit_key = self.audit_key or self.var_dir / "audit-ed25519.pem"
        if not audit_key.exists():
            from replay.heads import generate_key

            generate_key(audit_key)
        return self.model_copy(update={"jwt_secret": jwt_secret, "cipher_key": cipher_key, "audit_key": audit_key})


def private_dir(path: Path) -> None:
    """Create ``path`` (and its parents) for the owner only; an existing directory is left as it is."""
    if not path.exists():
        path.mkdir(mode=0o700, parents=True, exist_ok=True)


def private_file(path: Path, text: str) -> None:
    """Write ``text`` to ``path``, readable by the owner only from the moment it exists (0600)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(text)
    path.chmod(0o600)


def _secret_file(path: Path, make) -> str:  # noqa: ANN001
    if path.exists():
        return path.read_text().strip()
    value = make()
    private_file(path, value + "\n")
    return value
