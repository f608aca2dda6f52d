"""The standalone verifier's pieces: Ed25519 (RFC 8032), leaves, C2SP signed checkpoints, key formats."""

from __future__ import annotations

import base64
import uuid
from datetime import datetime

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from cases.calendar import TZ
from replay.heads import Signer
from replay.verify_proof import cosigned_message, decode_leaf, ed25519_verify, encode_leaf, key_id, open_checkpoint, read_public_key

RFC_8032 = [  # §7.1 TEST 1, 2, 3: (secret key, public key, message, signature)
    ("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60", "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
     "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"),
    ("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb", "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
     "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"),
    ("c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7", "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "af82",
     "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a"),
]
L = 2**252 + 27742317777372353535851937790883648493
KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
PUBLIC = KEY.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


@pytest.mark.parametrize(("secret", "public", "message", "signature"), RFC_8032)
def test_the_rfc_8032_vectors_verify_and_nothing_else_does(secret: str, public: str, message: str, signature: str) -> None:
    pk, msg, sig = bytes.fromhex(public), bytes.fromhex(message), bytes.fromhex(signature)
    assert Ed25519PrivateKey.from_private_bytes(bytes.fromhex(secret)).sign(msg) == sig  # the vector is what it says
    assert ed25519_verify(pk, msg, sig)
    assert not ed25519_verify(pk, msg + b"\x00", sig)
    assert not ed25519_verify(pk, msg, bytes([sig[0] ^ 1]) + sig[1:])
    assert not ed25519_verify(bytes([pk[0] ^ 1]) + pk[1:], msg, sig)
    s = int.from_bytes(sig[32:], "little")
    assert not ed25519_verify(pk, msg, sig[:32] + (s + L).to_bytes(32, "little"))  # a non-canonical S is refused
    assert not ed25519_verify(pk, msg, sig[:63]) and not ed25519_verify(pk[:31], msg, sig)


@settings(max_examples=15, deadline=None)
@given(st.binary(max_size=300))
def test_signatures_by_cryptography_verify_in_pure_python(message: bytes) -> None:
    signature = KEY.sign(message)
    assert ed25519_verify(PUBLIC, message, signature)
    assert not ed25519_verify(PUBLIC, message + b"!", signature)


def test_a_leaf_encodes_every_field_unambiguously() -> None:
    originator = uuid.uuid4()
    leaf = encode_leaf(originator, 7, "cases.events:Urged", b"\x00state\xff")
    decoded = decode_leaf(leaf)
    assert (decoded.originator_id, decoded.version, decoded.topic, decoded.state) == (originator, 7, "cases.events:Urged", b"\x00state\xff")
    assert encode_leaf(originator.bytes, 7, "cases.events:Urged", b"\x00state\xff") == leaf
    # moving a byte from the topic to the state gives another leaf, and trailing bytes are refused
    assert encode_leaf(originator, 7, "cases.events:Urge", b"d\x00state\xff") != leaf
    for broken in (leaf + b"x", leaf[:-1], b"\x02" + leaf[1:]):
        with pytest.raises(ValueError):
            decode_leaf(broken)


def test_a_signed_head_is_a_c2sp_checkpoint_the_pure_verifier_opens() -> None:
    signer = Signer(KEY, "hotline.test/log")
    root = bytes(range(32))
    at = datetime(2026, 9, 28, 9, 30, 15, 123, tzinfo=TZ)
    head = signer.sign(42, root, at)
    body, _, signature_lines = head.checkpoint.partition("\n\n")
    assert body == f"hotline.test/log\n42\n{base64.b64encode(root).decode()}"  # exactly the three lines of a checkpoint
    note, stamped = signature_lines.splitlines()
    assert note.startswith("\u2014 hotline.test/log ") and stamped.startswith("\u2014 hotline.test/log ")
    assert base64.b64decode(note.rsplit(" ", 1)[1])[:4] == key_id("hotline.test/log", PUBLIC)
    raw = base64.b64decode(stamped.rsplit(" ", 1)[1])
    assert raw[:4] == key_id("hotline.test/log", PUBLIC, b"\x04") and int.from_bytes(raw[4:12], "big") == int(at.timestamp())
    assert raw[12:] == head.signature and KEY.public_key().verify(head.signature, cosigned_message(body + "\n", int(at.timestamp()))) is None
    opened = open_checkpoint(head.checkpoint, PUBLIC)
    assert (opened.origin, opened.size, opened.root, opened.extensions, opened.time) == ("hotline.test/log", 42, root, (), int(at.timestamp()))
    assert head.opened(PUBLIC).size == 42 and head.time == at.replace(microsecond=0)

    with pytest.raises(ValueError, match="altered"):
        open_checkpoint(head.checkpoint.replace("\n42\n", "\n43\n"), PUBLIC)
    later = base64.b64encode(raw[:4] + (int(at.timestamp()) + 60).to_bytes(8, "big") + raw[12:]).decode()
    with pytest.raises(ValueError, match="time was altered"):
        open_checkpoint(head.checkpoint.replace(stamped.rsplit(" ", 1)[1], later), PUBLIC)
    other = Ed25519PrivateKey.generate().public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    with pytest.raises(ValueError, match="no signature by the given public key"):
        open_checkpoint(head.checkpoint, other)
    witnessed = head.checkpoint + "\u2014 witness.example/w1 " + base64.b64encode(bytes(76)).decode() + "\n"
    assert open_checkpoint(witnessed, PUBLIC).size == 42  # another key's line is left alone


def test_public_keys_are_read_in_every_usual_form() -> None:
    signer = Signer(KEY, "hotline.test/log")
    pem = KEY.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    for form in (PUBLIC, base64.b64encode(PUBLIC) + b"\n", signer.verifier_key.encode(), pem):
        assert read_public_key(form) == PUBLIC
    with pytest.raises(ValueError):
        read_public_key(b"not a key")


@settings(max_examples=50, deadline=None)
@given(st.uuids(), st.integers(min_value=1, max_value=2**40), st.sampled_from(["a:B", "cases.events:Urged", "x"]), st.binary(max_size=200))
def test_the_checks_fast_leaf_hash_is_the_leaf_hash(originator: uuid.UUID, version: int, topic: str, state: bytes) -> None:
    from replay.integrity import LeafHasher
    from replay.merkle import leaf_hash

    hasher = LeafHasher()
    assert hasher(originator.bytes, version, topic, state) == hasher(originator.bytes, version, topic, state) == leaf_hash(encode_leaf(originator, version, topic, state))
    assert hasher(None, version, topic, state) is None and hasher(b"short", version, topic, state) is None
