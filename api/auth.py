"""Bearer tokens: HS256 JWTs with ``sub`` (staff id), ``unit``, ``roles`` and ``exp``."""

from __future__ import annotations

from datetime import datetime, timedelta

import jwt

from api.problems import Unauthorized
from foundation.actors import ROLES, UNIT_ROLES, Actor


def issue_token(secret: str, *, sub: str, unit: str | None, roles: list[str], now: datetime, ttl: timedelta) -> str:
    unknown = [r for r in roles if r not in ROLES]
    if unknown:
        raise ValueError(f"unknown role(s) {', '.join(unknown)}; roles: {', '.join(ROLES)}")
    if UNIT_ROLES.intersection(roles) and not unit:
        raise ValueError("a unit role needs --unit")
    claims = {"sub": sub, "unit": unit, "roles": roles, "iat": int(now.timestamp()), "exp": int((now + ttl).timestamp())}
    return jwt.encode(claims, secret, algorithm="HS256")


DATE_CLAIMS = ("exp", "iat", "nbf")


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_name(value: object) -> bool:
    """A staff or unit id as the store keeps it: 1-200 printable characters."""
    return isinstance(value, str) and 0 < len(value) <= 200 and value.isprintable()


def actor_from(authorization: str | None, secret: str) -> Actor:
    """The principal behind an ``Authorization: Bearer`` header, or ``Unauthorized``."""
    if not authorization or not authorization.lower().startswith("bearer "):
        raise Unauthorized("send Authorization: Bearer <token>")
    token = authorization[7:].strip()
    try:
        claims = jwt.decode(token, secret, algorithms=["HS256"], options={"require": ["sub", "exp"]})
    except jwt.ExpiredSignatureError:
        raise Unauthorized("the token has expired; ask for a new one") from None
    except jwt.PyJWTError:
        # The library's own wording (which check failed, how) helps an attacker more than a client.
        raise Unauthorized("the token does not verify; ask for a new one") from None
    if any(name in claims and not _is_number(claims[name]) for name in DATE_CLAIMS):
        raise Unauthorized("the token's date claims (exp, iat, nbf) must be numbers (seconds since the epoch)")
    roles = claims.get("roles", [])
    if not isinstance(roles, list) or any(r not in ROLES for r in roles):
        raise Unauthorized(f"the token's roles must be a list of: {', '.join(ROLES)}")
    unit = claims.get("unit")
    if not _is_name(claims["sub"]) or (unit is not None and not _is_name(unit)):
        raise Unauthorized("the token's sub and unit must be short printable strings")
    if UNIT_ROLES.intersection(roles) and not unit:
        raise Unauthorized("a unit role needs the token's unit claim")
    return Actor(staff=str(claims["sub"]), unit=unit, roles=tuple(roles))
