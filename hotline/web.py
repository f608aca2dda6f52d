"""The HTTP service as the composition root wires it: the API around a ``Hotline`` built from settings."""

from __future__ import annotations

from fastapi import FastAPI

from api.app import create_app as create_api
from console.app import install as install_console
from hotline.bootstrap import Hotline, bootstrap
from hotline.settings import Settings


def create_app(settings: Settings | None = None, *, hotline: Hotline | None = None) -> FastAPI:
    """The API and the console for ``settings`` (built and started in the lifespan), or around an already built ``hotline``."""
    if hotline is not None:
        app = create_api(services=hotline, max_body_bytes=hotline.settings.max_body_bytes, max_waiters=hotline.settings.max_waiters)
        return install_console(app, jwt_secret=hotline.settings.jwt_secret)
    settings = settings or Settings()
    app = create_api(lambda: bootstrap(settings), max_body_bytes=settings.max_body_bytes, max_waiters=settings.max_waiters)
    return install_console(app, jwt_secret=settings.jwt_secret)
