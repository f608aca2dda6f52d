#!/usr/bin/env python3
"""Check a hotline proof offline, with the Python standard library only.

    python verify_proof.py proof.json checkpoint.txt pubkey

``proof.json`` is what ``GET /v1/cases/{id}/proof`` answered (or a dossier, or a consistency proof
from ``GET /v1/audit/consistency``); ``checkpoint.txt`` a signed tree head the verifier already
trusts (a C2SP tlog-checkpoint, e.g. the one the hotline center handed over that day);
``pubkey`` the log's Ed25519 public key (raw 32 bytes, base64, a C2SP verifier key
``name+hash+base64`` or a PEM ``PUBLIC KEY``). Exit status 0: every check passed; 1: a check
failed; 2: the input could not be read.

What is checked, in RFC 9162 terms:

1. the checkpoint carries a valid Ed25519 signature (C2SP signed-note) by ``pubkey``;
2. the proof is against that checkpoint's tree size and root hash;
3. every leaf: ``leaf_hash = SHA-256(0x00 || leaf_input)``, ``leaf_input`` decodes to the case and
   version the proof claims (see :func:`decode_leaf`), and its inclusion path leads from the leaf
   to the root (RFC 9162 §2.1.3.2);
4. for a consistency proof: both heads are signed and the proof verifies (RFC 9162 §2.1.4.2).

This file imports nothing outside the standard library and nothing from the project: copy it
anywhere and read it. Ed25519 verification is written out below from RFC 8032 §5.1.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import sys
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

# --------------------------------------------------------------------- RFC 9162 hashes

LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"


def leaf_hash(leaf_input: bytes) -> bytes:
    """RFC 9162 §2.1.1: the hash of a leaf, ``SHA-256(0x00 || leaf_input)``."""
    return hashlib.sha256(LEAF_PREFIX + leaf_input).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """RFC 9162 §2.1.1: the hash of an inner node, ``SHA-256(0x01 || left || right)``."""
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


def verify_inclusion(leaf: bytes, index: int, size: int, path: Sequence[bytes], root: bytes) -> bool:
    """RFC 9162 §2.1.3.2: does ``path`` lead from leaf hash ``leaf`` at ``index`` to ``root`` at ``size``?"""
    if not 0 <= index < size or any(len(h) != 32 for h in (leaf, root, *path)):
        return False
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(first: int, second: int, first_root: bytes, second_root: bytes, proof: Sequence[bytes]) -> bool:
    """RFC 9162 §2.1.4.2: is the tree of size ``second`` an append-only extension of the one of size ``first``?"""
    if not 0 <= first <= second or any(len(h) != 32 for h in (first_root, second_root, *proof)):
        return False
    if first == second:
        return not proof and first_root == second_root
    if first == 0:
        return not proof
    if not proof:
        return False
    path = list(proof)
    if first & (first - 1) == 0:  # a power of two: the first tree is a subtree of the second
        path.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == first_root and sr == second_root


# ------------------------------------------------------------------ the hotline's leaves

LEAF_FORMAT = 1


@dataclass(frozen=True)
class Leaf:
    """What a leaf of the hotline's log says: which event of which aggregate, and its stored bytes."""

    originator_id: uuid.UUID
    version: int
    topic: str
    state: bytes


def encode_leaf(originator_id: uuid.UUID | bytes, version: int, topic: str, state: bytes) -> bytes:
    """The leaf input of one stored event: unambiguous, every variable field length-prefixed.

    ::

        u8   format (1)
        16   originator id (UUID, RFC 4122 byte order)
        u64  originator version (big-endian)
        u32  length of the topic, then the topic (UTF-8)
        u32  length of the state, then the state: the bytes stored, encrypted when the log is
             (AES-GCM nonce, ciphertext and tag), so requester data is never in the clear here
    """
    topic_bytes = topic.encode()
    return b"".join(
        (
            bytes((LEAF_FORMAT,)),
            originator_id.bytes if isinstance(originator_id, uuid.UUID) else originator_id,
            version.to_bytes(8, "big"),
            len(topic_bytes).to_bytes(4, "big"),
            topic_bytes,
            len(state).to_bytes(4, "big"),
            state,
        )
    )


def decode_leaf(data: bytes) -> Leaf:
    """The inverse of :func:`encode_leaf`; refuses anything that is not exactly one encoded leaf."""
    if len(data) < 33 or data[0] != LEAF_FORMAT:
        raise ValueError("not a hotline leaf (format 1)")
    originator_id = uuid.UUID(bytes=data[1:17])
    version = int.from_bytes(data[17:25], "big")
    topic_len = int.from_bytes(data[25:29], "big")
    topic_end = 29 + topic_len
    if topic_end + 4 > len(data):
        raise ValueError("leaf truncated in its topic")
    state_len = int.from_bytes(data[topic_end : topic_end + 4], "big")
    if topic_end + 4 + state_len != len(data):
        raise ValueError("leaf length does not match its state length")
    return Leaf(originator_id, version, data[29:topic_end].decode(), data[topic_end + 4 :])


# ------------------------------------------------------------ Ed25519 (RFC 8032 §5.1)

_P = 2**255 - 19
_L = 2**252 + 27742317777372353535851937790883648493
_D = -121665 * pow(121666, _P - 2, _P) % _P
_SQRT_M1 = pow(2, (_P - 1) // 4, _P)

Point = tuple[int, int, int, int]
"""Extended homogeneous coordinates (X, Y, Z, T) with x = X/Z, y = Y/Z, x*y = T/Z (§5.1.4)."""


def _point_add(p: Point, q: Point) -> Point:
    a = (p[1] - p[0]) * (q[1] - q[0]) % _P
    b = (p[1] + p[0]) * (q[1] + q[0]) % _P
    c = 2 * p[3] * q[3] * _D % _P
    d = 2 * p[2] * q[2] % _P
    e, f, g, h = b - a, d - c, d + c, b + a
    return (e * f % _P, g * h % _P, f * g % _P, e * h % _P)


def _scalar_mult(k: int, p: Point) -> Point:
    result: Point = (0, 1, 1, 0)  # the neutral element
    while k:
        if k & 1:
            result = _point_add(result, p)
        p = _point_add(p, p)
        k >>= 1
    return result


def _point_equal(p: Point, q: Point) -> bool:
    return (p[0] * q[2] - q[0] * p[2]) % _P == 0 and (p[1] * q[2] - q[1] * p[2]) % _P == 0


def _recover_x(y: int, sign: int) -> int | None:
    """§5.1.3 step 2-4: x from y and the sign bit, or None if there is no such point."""
    if y >= _P:
        return None
    x2 = (y * y - 1) * pow(_D * y * y + 1, _P - 2, _P) % _P
    if x2 == 0:
        return None if sign else 0
    x = pow(x2, (_P + 3) // 8, _P)
    if (x * x - x2) % _P:
        x = x * _SQRT_M1 % _P
    if (x * x - x2) % _P:
        return None
    if x & 1 != sign:
        x = _P - x
    return x


def _decompress(encoded: bytes) -> Point | None:
    """§5.1.3: decode a point; None for an encoding that is not a point of the curve."""
    if len(encoded) != 32:
        return None
    y = int.from_bytes(encoded, "little")
    sign = y >> 255
    y &= (1 << 255) - 1
    x = _recover_x(y, sign)
    if x is None:
        return None
    return (x, y, 1, x * y % _P)


_BASE = _decompress((4 * pow(5, _P - 2, _P) % _P).to_bytes(32, "little"))


def ed25519_verify(public_key: bytes, message: bytes, signature: bytes) -> bool:
    """§5.1.7: is ``signature`` a valid Ed25519 signature of ``message`` by ``public_key``?"""
    if len(public_key) != 32 or len(signature) != 64 or _BASE is None:
        return False
    a = _decompress(public_key)
    r = _decompress(signature[:32])
    s = int.from_bytes(signature[32:], "little")
    if a is None or r is None or s >= _L:
        return False
    k = int.from_bytes(hashlib.sha512(signature[:32] + public_key + message).digest(), "little") % _L
    return _point_equal(_scalar_mult(s, _BASE), _point_add(r, _scalar_mult(k, a)))


# ------------------------------------------------- C2SP signed notes and checkpoints

SIGNATURE_PREFIX = "\u2014 "  # an em dash and a space
ED25519_TYPE = b"\x01"
"""C2SP signed-note: an Ed25519 signature of the note's text."""
COSIGNATURE_TYPE = b"\x04"
"""C2SP tlog-cosignature v1: a timestamped Ed25519 signature of ``cosignature/v1``, ``time <t>`` and the text."""


def key_id(name: str, public_key: bytes, kind: bytes = ED25519_TYPE) -> bytes:
    """The 4-byte key id of a signature line, ``SHA-256(name || 0x0A || type || public key)[:4]``."""
    return hashlib.sha256(name.encode() + b"\n" + kind + public_key).digest()[:4]


def cosigned_message(body: str, timestamp: int) -> bytes:
    """C2SP tlog-cosignature v1: what a timestamped signature signs."""
    return f"cosignature/v1\ntime {timestamp}\n{body}".encode()


@dataclass(frozen=True)
class Checkpoint:
    """A C2SP tlog-checkpoint whose signature by the trusted key verified."""

    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...]
    signer: str
    time: int | None = None
    """When the key's timestamped signature (tlog-cosignature) says the head was signed, POSIX seconds."""


def open_checkpoint(text: str, public_key: bytes, verify: Callable[[bytes, bytes, bytes], bool] = ed25519_verify) -> Checkpoint:
    """Verify a signed checkpoint with ``public_key`` and parse it; ValueError says what is wrong.

    The note's Ed25519 signature by the key must verify; a timestamped signature by the same key (a
    C2SP cosignature, which signs the time too) must verify if there is one. Lines of other keys
    (witnesses) are left alone.
    """
    split = text.rfind("\n\n")
    if split < 0:
        raise ValueError("not a signed note: no blank line before the signatures")
    body, signature_block = text[: split + 1], text[split + 2 :]
    signer, timestamp = None, None
    for line in signature_block.splitlines():
        if not line.startswith(SIGNATURE_PREFIX):
            raise ValueError(f"malformed signature line: {line!r}")
        name, _, encoded = line[len(SIGNATURE_PREFIX) :].rpartition(" ")
        try:
            raw = base64.b64decode(encoded, validate=True)
        except binascii.Error:
            raise ValueError(f"signature of {name} is not base64") from None
        if len(raw) == 68 and raw[:4] == key_id(name, public_key) and signer is None:
            if not verify(public_key, body.encode(), raw[4:]):
                raise ValueError(f"the signature by {name} does not verify: the checkpoint was altered")
            signer = name
        elif len(raw) == 76 and raw[:4] == key_id(name, public_key, COSIGNATURE_TYPE) and timestamp is None:
            stamped = int.from_bytes(raw[4:12], "big")
            if not verify(public_key, cosigned_message(body, stamped), raw[12:]):
                raise ValueError(f"the timestamped signature by {name} does not verify: the checkpoint or its time was altered")
            timestamp = stamped
    if signer is None:
        raise ValueError("no signature by the given public key on this checkpoint")
    lines = body.split("\n")[:-1]
    if len(lines) < 3 or not lines[0]:
        raise ValueError("a checkpoint has an origin, a size and a root hash")
    if not lines[1].isdigit() or (lines[1] != "0" and lines[1].startswith("0")):
        raise ValueError(f"tree size {lines[1]!r} is not a decimal number")
    root = base64.b64decode(lines[2], validate=True)
    if len(root) != 32:
        raise ValueError("the root hash is not 32 bytes")
    return Checkpoint(lines[0], int(lines[1]), root, tuple(lines[3:]), signer, timestamp)


def read_public_key(data: bytes) -> bytes:
    """An Ed25519 public key from raw bytes, base64, a C2SP verifier key or a PEM ``PUBLIC KEY``."""
    if len(data) == 32:
        return data
    text = data.decode().strip()
    if text.startswith("-----BEGIN PUBLIC KEY-----"):
        der = base64.b64decode("".join(text.splitlines()[1:-1]))
        if len(der) != 44:
            raise ValueError("the PEM key is not an Ed25519 public key")
        return der[-32:]
    parts = text.split("+", 2)  # a verifier key: <name>+<hex key id>+<base64(0x01 || key)>; names have no '+'
    if len(parts) == 3 and len(parts[1]) == 8 and all(c in "0123456789abcdef" for c in parts[1]):
        raw = base64.b64decode(parts[2], validate=True)
        if len(raw) != 33 or raw[:1] != ED25519_TYPE or key_id(parts[0], raw[1:]).hex() != parts[1]:
            raise ValueError("not an Ed25519 verifier key")
        return raw[1:]
    raw = base64.b64decode(text, validate=True)
    if len(raw) != 32:
        raise ValueError("a public key is 32 bytes")
    return raw


# ------------------------------------------------------------------- the checks


@dataclass
class Outcome:
    lines: list[str] = field(default_factory=list)
    failures: int = 0

    def ok(self, text: str) -> None:
        self.lines.append(f"ok    {text}")

    def fail(self, text: str) -> None:
        self.failures += 1
        self.lines.append(f"FAIL  {text}")


def _b64(value: Any, what: str) -> bytes:
    if not isinstance(value, str):
        raise ValueError(f"{what} is missing")
    return base64.b64decode(value, validate=True)


def check_case_proof(proof: dict[str, Any], checkpoint: Checkpoint, out: Outcome) -> None:
    """Every leaf of one case's proof against the trusted checkpoint."""
    case_id = str(proof.get("case_id") or "")
    size, root = int(proof["tree_size"]), _b64(proof["root_hash"], "root_hash")
    label = f"case {case_id}" if case_id else "proof"
    if size != checkpoint.size or root != checkpoint.root:
        out.fail(
            f"{label}: the proof is against tree size {size}, the checkpoint is of size {checkpoint.size} "
            "with another root; ask for the proof at the checkpoint's size (?tree_size=)"
        )
        return
    for item in proof.get("leaves", []):
        index, version = int(item["leaf_index"]), item.get("version")
        where = f"{label} version {version} (leaf {index})"
        hashed = _b64(item["leaf_hash"], "leaf_hash")
        if item.get("leaf_input") is not None:
            leaf_input = _b64(item["leaf_input"], "leaf_input")
            if leaf_hash(leaf_input) != hashed:
                out.fail(f"{where}: leaf_hash is not SHA-256(0x00 || leaf_input)")
                continue
            try:
                leaf = decode_leaf(leaf_input)
            except ValueError as error:
                out.fail(f"{where}: {error}")
                continue
            if (case_id and str(leaf.originator_id) != case_id) or (version is not None and leaf.version != int(version)):
                out.fail(f"{where}: the leaf is event {leaf.version} of {leaf.originator_id}, not what the proof claims")
                continue
        path = [_b64(h, "inclusion_path") for h in item.get("inclusion_path", [])]
        if verify_inclusion(hashed, index, size, path, root):
            withheld = "" if item.get("leaf_input") is not None else " (content withheld: hash only)"
            out.ok(f"{where} is in the log at tree size {size}{withheld}")
        else:
            out.fail(f"{where}: the inclusion path does not lead to the checkpoint's root")


def check_consistency(proof: dict[str, Any], checkpoint: Checkpoint, public_key: bytes, out: Outcome) -> None:
    """A consistency proof between two signed heads, the newer one being (or matching) the trusted checkpoint."""
    heads = {}
    for end in ("from", "to"):
        head = proof[end]
        text = head.get("checkpoint")
        signed = open_checkpoint(text, public_key) if text else None
        size, root = int(head["size"]), _b64(head["root"], f"{end}.root")
        if signed is not None and (signed.size, signed.root) != (size, root):
            out.fail(f"the '{end}' checkpoint does not match its size and root")
            return
        heads[end] = (size, root)
    trusted = (checkpoint.size, checkpoint.root)
    if trusted not in heads.values():
        out.fail(f"neither head of the proof is the trusted checkpoint (size {checkpoint.size})")
        return
    (first, first_root), (second, second_root) = heads["from"], heads["to"]
    path = [_b64(h, "proof") for h in proof.get("proof", [])]
    if verify_consistency(first, second, first_root, second_root, path):
        out.ok(f"the log at size {second} extends the log at size {first} (nothing before was changed)")
    else:
        out.fail(f"the log at size {second} is not an extension of the log at size {first}")


def check(document: dict[str, Any], checkpoint_text: str, public_key: bytes) -> Outcome:
    """Run every check that applies to ``document`` (a case proof, a dossier or a consistency proof)."""
    out = Outcome()
    try:
        checkpoint = open_checkpoint(checkpoint_text, public_key)
    except ValueError as error:
        out.fail(f"checkpoint: {error}")
        return out
    signed_at = "" if checkpoint.time is None else f" at {datetime.fromtimestamp(checkpoint.time, timezone.utc).isoformat()}"
    out.ok(f"checkpoint signed by {checkpoint.signer}{signed_at}: {checkpoint.origin}, size {checkpoint.size}")
    if "consistency" in document:
        check_consistency(document["consistency"], checkpoint, public_key, out)
    elif "from" in document and "to" in document:
        check_consistency(document, checkpoint, public_key, out)
    else:
        proofs = document.get("proofs", [document])
        for proof in proofs.values() if isinstance(proofs, dict) else proofs:
            check_case_proof(proof, checkpoint, out)
    return out


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 3:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    try:
        document = json.loads(Path(args[0]).read_text(encoding="utf-8"))
        checkpoint_text = Path(args[1]).read_text(encoding="utf-8")
        public_key = read_public_key(Path(args[2]).read_bytes())
        outcome = check(document, checkpoint_text, public_key)
    except (OSError, ValueError, KeyError, TypeError, binascii.Error) as error:
        print(f"cannot check: {type(error).__name__}: {error}", file=sys.stderr)
        return 2
    print("\n".join(outcome.lines))
    print("VERIFIED" if not outcome.failures else f"NOT VERIFIED: {outcome.failures} check(s) failed")
    return 0 if not outcome.failures else 1


if __name__ == "__main__":
    raise SystemExit(main())
