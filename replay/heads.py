"""Signed tree heads: the log's root at a size and a time, signed with Ed25519, as C2SP checkpoints.

A head is a C2SP ``tlog-checkpoint`` (a signed note) with two signature lines by the log's key::

    <origin>
    <tree size>
    <base64 root hash>

    — <origin> <base64(key id || Ed25519 signature of the three lines)>
    — <origin> <base64(key id' || u64 time || Ed25519 signature of "cosignature/v1", "time <t>" and the three lines)>

The first is the plain signed-note signature every checkpoint verifier knows. The second is a
C2SP ``tlog-cosignature`` v1 (signature type 0x04, so another key id): it signs size, root *and*
time, and it is the head's ``signature``. Tools that know only the first ignore the second.
Heads are kept in ``audit_heads`` (append-only: SQLite refuses UPDATE and DELETE there, ``hotline
db harden`` revokes them on PostgreSQL) and signed periodically when the tree grew and on demand.
Once a head leaves the building (``hotline audit head`` prints the latest), nothing under it can
change without the change showing.
"""

from __future__ import annotations

import base64
import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from cases.calendar import TZ
from foundation.errors import NotFound
from foundation.sql import Sql, append_only
from foundation.timers import micros
from replay.verify_proof import COSIGNATURE_TYPE, ED25519_TYPE, SIGNATURE_PREFIX, Checkpoint, cosigned_message, key_id, open_checkpoint

HEADS = "audit_heads"
log = logging.getLogger("hotline.audit")


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def generate_key(path: Path) -> None:
    """Write a new Ed25519 signing key (PKCS#8 PEM), readable by its owner only (0600)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as file:
        file.write(pem)


def ed25519_verify(public_key: bytes, message: bytes, signature: bytes) -> bool:
    """The same check as ``verify_proof.ed25519_verify``, by ``cryptography`` (fast, for many heads)."""
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)
    except (InvalidSignature, ValueError):
        return False
    return True


def checkpoint_body(origin: str, size: int, root: bytes) -> str:
    return f"{origin}\n{size}\n{b64(root)}\n"


@dataclass(frozen=True)
class SignedHead:
    """A signed tree head and its checkpoint text."""

    size: int
    root: bytes
    time: datetime
    checkpoint: str

    @property
    def signature(self) -> bytes:
        """The Ed25519 signature over size, root and time: the timestamped line's, without key id and time."""
        for line in self.checkpoint.rstrip("\n").split("\n\n", 1)[-1].splitlines():
            raw = base64.b64decode(line.rsplit(" ", 1)[1])
            if len(raw) == 76:
                return raw[12:]
        return b""

    def as_dict(self) -> dict[str, Any]:
        return {
            "size": self.size,
            "root": b64(self.root),
            "time": self.time.astimezone(TZ).isoformat(),
            "signature": b64(self.signature),
            "checkpoint": self.checkpoint,
        }

    def opened(self, public_key: bytes) -> Checkpoint:
        """Verify the head's signature with ``public_key`` and check its text says what its row says."""
        checkpoint = open_checkpoint(self.checkpoint, public_key, verify=ed25519_verify)
        if (checkpoint.size, checkpoint.root, checkpoint.time) != (self.size, self.root, int(self.time.timestamp())):
            raise ValueError("the head's row does not say what its signed checkpoint says")
        return checkpoint


class Signer:
    """The log's Ed25519 key, named by the log's origin."""

    def __init__(self, private_key: Ed25519PrivateKey, origin: str) -> None:
        if not origin or any(c.isspace() or c == "+" for c in origin):
            raise ValueError(f"the audit origin {origin!r} must be non-empty, without spaces or '+'")
        self.private_key = private_key
        self.origin = origin
        self.public_key = private_key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        self.key_id = key_id(origin, self.public_key)
        self.cosigner_id = key_id(origin, self.public_key, COSIGNATURE_TYPE)

    @classmethod
    def load(cls, path: Path, origin: str) -> Signer:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError(f"{path} is not an Ed25519 private key")
        return cls(key, origin)

    @property
    def verifier_key(self) -> str:
        """The C2SP verifier key: ``<name>+<hex key id>+<base64(0x01 || public key)>``."""
        return f"{self.origin}+{self.key_id.hex()}+{b64(ED25519_TYPE + self.public_key)}"

    def sign(self, size: int, root: bytes, time: datetime) -> SignedHead:
        body = checkpoint_body(self.origin, size, root)
        timestamp = int(time.timestamp())
        note = self.private_key.sign(body.encode())
        stamped = self.private_key.sign(cosigned_message(body, timestamp))
        checkpoint = (
            f"{body}\n{SIGNATURE_PREFIX}{self.origin} {b64(self.key_id + note)}\n"
            f"{SIGNATURE_PREFIX}{self.origin} {b64(self.cosigner_id + timestamp.to_bytes(8, 'big') + stamped)}\n"
        )
        return SignedHead(size, root, datetime.fromtimestamp(timestamp, TZ), checkpoint)


class Heads:
    """The signed heads, append-only, newest first."""

    def __init__(self, sql: Sql) -> None:
        self.sql = sql

    def setup(self) -> None:
        if self.sql.has_table(HEADS):  # (after ``hotline db harden`` an administrator owns it)
            return
        with self.sql.transaction() as cursor:
            cursor.execute(
                "CREATE TABLE IF NOT EXISTS {t} (size BIGINT NOT NULL, time_us BIGINT NOT NULL, root TEXT NOT NULL, "
                "checkpoint TEXT NOT NULL, PRIMARY KEY (size, time_us))",
                t=HEADS,
            )
            cursor.execute("CREATE INDEX IF NOT EXISTS audit_heads_time ON {t} (time_us, size)", t=HEADS)
            for statement in append_only(self.sql.dialect, self.sql.table(HEADS)):
                cursor.execute(statement)

    def add(self, head: SignedHead) -> None:
        """Keep a head (a second head of the same size in the same second adds nothing)."""
        with self.sql.transaction() as cursor:
            cursor.execute(
                "INSERT INTO {t} VALUES (?,?,?,?) ON CONFLICT DO NOTHING",
                (head.size, micros(head.time), b64(head.root), head.checkpoint),
                t=HEADS,
            )

    def latest(self) -> SignedHead | None:
        rows = self.sql.query("SELECT * FROM {t} ORDER BY size DESC, time_us DESC LIMIT 1", t=HEADS)
        return _head(rows[0]) if rows else None

    def at_size(self, size: int) -> SignedHead:
        rows = self.sql.query("SELECT * FROM {t} WHERE size=? ORDER BY time_us DESC LIMIT 1", (size,), t=HEADS)
        if not rows:
            raise NotFound("signed head of size", size)
        return _head(rows[0])

    def page(self, *, before: tuple[int, int] | None, limit: int) -> list[SignedHead]:
        """Newest first; ``before`` is the ``(time_us, size)`` of the last head of the previous page."""
        text, params = "SELECT * FROM {t}", []
        if before is not None:
            text += " WHERE time_us < ? OR (time_us = ? AND size < ?)"
            params = [before[0], before[0], before[1]]
        rows = self.sql.query(text + " ORDER BY time_us DESC, size DESC LIMIT ?", [*params, limit], t=HEADS)
        return [_head(row) for row in rows]

    def all(self) -> list[SignedHead]:
        """Every head, smallest tree first (what a full check compares the log with)."""
        return [_head(row) for row in self.sql.query("SELECT * FROM {t} ORDER BY size, time_us", t=HEADS)]


def _head(row: dict[str, Any]) -> SignedHead:
    return SignedHead(
        size=int(row["size"]),
        root=base64.b64decode(row["root"]),
        time=datetime.fromtimestamp(int(row["time_us"]) / 1_000_000, TZ),
        checkpoint=row["checkpoint"],
    )


class Notary:
    """Signs the tree's head: on demand, and every ``interval`` seconds when the tree grew."""

    def __init__(self, *, size: Callable[[], int], root: Callable[[int], bytes], heads: Heads, signer: Signer, now: Callable[[], datetime]) -> None:
        self.size = size
        self.root = root
        self.heads = heads
        self.signer = signer
        self.now = now
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self.last_error: str | None = None

    def sign(self) -> SignedHead:
        size = self.size()
        head = self.signer.sign(size, self.root(size), self.now())
        self.heads.add(head)
        return head

    def sign_if_grown(self) -> SignedHead | None:
        latest = self.heads.latest()
        if self.size() > (latest.size if latest else 0):
            return self.sign()
        return None

    def start(self, interval: float) -> None:
        self._thread = threading.Thread(target=self._run, args=(interval,), name="audit-notary", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _run(self, interval: float) -> None:
        while not self._stopping.wait(interval):
            try:
                self.sign_if_grown()
                self.last_error = None
            except Exception as error:  # noqa: BLE001 - report and try again at the next tick
                self.last_error = f"{type(error).__name__}: {error}"
                log.exception("signing the tree head failed; trying again in %.0fs", interval)
