"""What the service leaves on disk is its owner's alone (issue 9): var/ 0700, secrets, tokens and the SQLite file 0600."""

from __future__ import annotations

import argparse
import stat
from pathlib import Path

import pytest

from hotline.bootstrap import bootstrap
from hotline.cli import DEMO_ROLES, _print_banner
from hotline.settings import Settings
from tests.conftest import make_settings


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_generated_secrets_are_private(tmp_path: Path) -> None:
    var = tmp_path / "var"
    Settings(var_dir=var).with_generated_secrets()
    assert mode(var) == 0o700
    assert mode(var / "jwt-secret") == 0o600 and mode(var / "cipher-key") == 0o600


def test_a_new_sqlite_store_is_private(tmp_path: Path) -> None:
    path = tmp_path / "fresh" / "hotline.sqlite3"
    hotline = bootstrap(make_settings(f"sqlite:///{path}"))
    try:
        hotline.start()
        from tests.world import seed_units

        seed_units(hotline)
    finally:
        hotline.close()
    assert mode(path.parent) == 0o700
    assert mode(path) == 0o600
    for companion in (path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        if companion.exists():
            assert mode(companion) == 0o600


def test_the_banner_prints_no_token_and_writes_them_to_a_private_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    settings = Settings(jwt_secret="s" * 48, var_dir=tmp_path / "var")
    _print_banner(settings, None, argparse.Namespace(host="127.0.0.1", port=8000))
    out = capsys.readouterr().out
    assert "eyJ" not in out  # no JWT (they all start with the base64 of '{"')
    tokens = tmp_path / "var" / "demo-tokens"
    assert str(tokens.resolve()) in out and mode(tokens) == 0o600
    rows = [line.split() for line in tokens.read_text().splitlines() if not line.startswith("#")]
    assert [row[0] for row in rows] == list(DEMO_ROLES) and all(row[3].startswith("eyJ") for row in rows)
    links = tmp_path / "var" / "demo-console-links"
    assert str(links.resolve()) in out and mode(links) == 0o600
    rows = [line.split() for line in links.read_text().splitlines() if not line.startswith("#")]
    assert [row[0] for row in rows] == list(DEMO_ROLES)
    from datetime import datetime

    from api.auth import actor_from
    from console.session import Sessions, SignedOut
    from foundation.clock import TZ

    sessions = Sessions(settings.jwt_secret)
    code = rows[0][1].split("code=", 1)[1]
    assert rows[0][1].startswith("http://127.0.0.1:8000/console/login/link?code=")
    signed_in = actor_from(f"Bearer {sessions.redeem(code, datetime.now(TZ))}", settings.jwt_secret)
    assert signed_in.roles == (rows[0][0],)
    with pytest.raises(SignedOut):
        sessions.redeem(code, datetime.now(TZ))  # a link works once
