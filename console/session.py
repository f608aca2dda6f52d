"""Who is signed in to the console: a bearer token from the service's own issuer, kept in a cookie.

Real deployments put the console behind the government's single sign-on; here a person pastes a token
into the sign-in form (or follows a one-time link the demo prints). The token is kept in an HttpOnly,
SameSite=Strict cookie, verified on every request exactly as the API verifies a bearer token, so the
console sees what the API lets that principal see and nothing more. Every form carries a CSRF token
tied to the session (and, on the sign-in form, to a cookie of its own).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from datetime import datetime, timedelta

import jwt
from fastapi import Request
from fastapi.responses import Response

from api.auth import actor_from, issue_token
from foundation.actors import Actor

SESSION = "hotline_console"
PRE_CSRF = "hotline_console_csrf"
LINK_AUDIENCE = "hotline-console-link"
SESSION_HOURS = 12


class SignedOut(Exception):
    """No session, or one that no longer verifies: the visitor is sent to the sign-in page."""


class Sessions:
    def __init__(self, secret: str) -> None:
        self.secret = secret
        self._used_links: set[str] = set()
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ session

    def actor(self, request: Request) -> Actor:
        token = request.cookies.get(SESSION)
        if not token:
            raise SignedOut
        try:
            return actor_from(f"Bearer {token}", self.secret)
        except Exception as error:  # noqa: BLE001 - any token that does not verify ends the session
            raise SignedOut from error

    def open(self, response: Response, token: str, request: Request) -> None:
        response.set_cookie(
            SESSION, token, httponly=True, samesite="strict", secure=request.url.scheme == "https", path="/console",
            max_age=SESSION_HOURS * 3600,
        )
        response.delete_cookie(PRE_CSRF, path="/console")

    def close(self, response: Response) -> None:
        response.delete_cookie(SESSION, path="/console")

    # --------------------------------------------------------------------- CSRF

    def csrf(self, request: Request) -> str:
        """The CSRF token of the session (a form without it, or with another, is refused)."""
        return self._mac(request.cookies.get(SESSION, ""))

    def check_csrf(self, request: Request, sent: str) -> bool:
        expected = self.csrf(request)
        return bool(sent) and hmac.compare_digest(expected, sent)

    def pre_csrf(self, request: Request, response: Response | None = None) -> str:
        """The sign-in form's CSRF token, doubled in a cookie of its own (there is no session yet)."""
        value = request.cookies.get(PRE_CSRF) or secrets.token_urlsafe(24)
        if response is not None:
            response.set_cookie(PRE_CSRF, value, httponly=True, samesite="strict", path="/console", max_age=3600)
        return value

    def check_pre_csrf(self, request: Request, sent: str) -> bool:
        cookie = request.cookies.get(PRE_CSRF, "")
        return bool(cookie) and bool(sent) and hmac.compare_digest(cookie, sent)

    def _mac(self, value: str) -> str:
        return hmac.new(self.secret.encode(), f"csrf:{value}".encode(), hashlib.sha256).hexdigest()[:40]

    # --------------------------------------------------------------- one-time links

    def link_code(self, *, sub: str, unit: str | None, roles: list[str], now: datetime, ttl: timedelta) -> str:
        """A code for a one-time sign-in link (the demo prints one per role)."""
        claims = {
            "sub": sub, "unit": unit, "roles": roles, "aud": LINK_AUDIENCE, "jti": secrets.token_urlsafe(12),
            "iat": int(now.timestamp()), "exp": int((now + ttl).timestamp()),
        }
        return jwt.encode(claims, self.secret, algorithm="HS256")

    def redeem(self, code: str, now: datetime) -> str:
        """The session token a link's code stands for; a code works once."""
        try:
            claims = jwt.decode(code, self.secret, algorithms=["HS256"], audience=LINK_AUDIENCE, options={"require": ["exp", "jti"]})
        except jwt.PyJWTError as error:
            raise SignedOut from error
        with self._lock:
            if claims["jti"] in self._used_links:
                raise SignedOut
            self._used_links.add(claims["jti"])
        return issue_token(
            self.secret, sub=claims["sub"], unit=claims.get("unit"), roles=list(claims["roles"]), now=now,
            ttl=timedelta(hours=SESSION_HOURS),
        )
