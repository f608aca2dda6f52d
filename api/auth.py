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


def actor_from(authorization: str | None, secret: str) -> Actor:
    """The principal behind an ``Authorization: Bearer`` header, or ``Unauthorized``."""
    if not authorization or not authorization.lower().startswith("bearer "):
        raise Unauthorized("send Authorization: Bearer <token>")
    token = authorization[7:].strip()
    try:
        claims = jwt.decode(token, secret, algorithms=["HS256"], options={"require": ["sub", "exp"]})
    except jwt.ExpiredSignatureError:
        raise Unauthorized("the token has expired") from None
    except jwt.PyJWTError as error:
        raise Unauthorized(f"the token does not verify: {error}") from None
    roles = claims.get("roles") or []
    if not isinstance(roles, list) or any(r not in ROLES for r in roles):
        raise Unauthorized(f"the token's roles must be a list of: {', '.join(ROLES)}")
    unit = claims.get("unit")
    if unit is not None and not isinstance(unit, str):
        raise Unauthorized("the token's unit must be a string")
    if UNIT_ROLES.intersection(roles) and not unit:
        raise Unauthorized("a unit role needs the token's unit claim")
    return Actor(staff=str(claims["sub"]), unit=unit, roles=tuple(roles))
