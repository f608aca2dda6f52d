"""Installing the console into the service's app: its pages under ``/console/`` and its stylesheet."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from console.pages import router
from console.session import Sessions


def install(app: FastAPI, *, jwt_secret: str) -> FastAPI:
    app.state.console_sessions = Sessions(jwt_secret)
    app.include_router(router)
    app.mount("/console/static", StaticFiles(directory=Path(__file__).parent / "static"), name="console-static")
    return app
