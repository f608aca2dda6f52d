"""Requester personal data by role: in full for call agents and the center, masked for everyone else.

For a confidential case (the requester asked for it, cf. Art. 12(1)) only the center sees the
requester at all. Masks keep what a handler needs to recognise a person on the phone and no more:
``张*`` for a name, ``138****5678`` for a phone number.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from cases.values import Requester

FULL_VIEW: frozenset[str] = frozenset({"agent", "center"})


def mask_name(name: str) -> str:
    return name[:1] + "*" * max(len(name) - 1, 1) if name else name


def mask_phone(phone: str) -> str:
    digits = phone.strip()
    if len(digits) <= 7:
        return "*" * len(digits)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


def mask_id_number(value: str) -> str:
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_address(value: str) -> str:
    return value[:6] + "****" if len(value) > 6 else "****"


def requester_for(requester: Requester | None, *, confidential: bool, roles: Iterable[str]) -> dict[str, Any] | None:
    """What a principal with ``roles`` may see of the requester (None: nothing at all)."""
    if requester is None:
        return None
    roles = set(roles)
    if confidential:
        return requester.model_dump() if "center" in roles else None
    if roles & FULL_VIEW:
        return requester.model_dump()
    return {
        "name": mask_name(requester.name),
        "phone": mask_phone(requester.phone),
        "id_number": mask_id_number(requester.id_number) if requester.id_number else None,
        "address": mask_address(requester.address) if requester.address else None,
    }
