"""``hotline audit head|key|verify``, ``hotline replay case`` and ``hotline db harden`` on both stores."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from hotline import audit_cli
from hotline.settings import Settings
from replay.verify_proof import open_checkpoint, read_public_key
from tests.attacker import Attacker
from tests.builders import CENTER, handler
from tests.conftest import later
from tests.world import accept, ctx, seed_units

pytestmark = pytest.mark.storage


def cli(settings: Settings, *argv: str) -> int:
    parser = argparse.ArgumentParser(prog="hotline")
    audit_cli.add_commands(parser.add_subparsers(dest="command", required=True))
    return audit_cli.run(settings, parser.parse_args(argv))


def test_head_and_key_print_a_checkpoint_and_the_key_that_opens_it(hotline: Any, settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    seed_units(hotline)
    assert cli(settings, "audit", "head") == 1  # nothing signed yet
    assert "no signed tree head" in capsys.readouterr().err
    assert cli(settings, "audit", "head", "--sign") == 0
    checkpoint = capsys.readouterr().out
    assert cli(settings, "audit", "key") == 0
    raw, verifier_key = capsys.readouterr().out.splitlines()
    assert read_public_key(raw.encode()) == read_public_key(verifier_key.encode()) == hotline.audit.public_key
    opened = open_checkpoint(checkpoint, read_public_key(raw.encode()))
    assert opened.size == hotline.store.head() and opened.origin == settings.audit_origin
    assert cli(settings, "audit", "head") == 0 and capsys.readouterr().out == checkpoint


def test_verify_exits_non_zero_with_the_first_differing_position(hotline: Any, settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    seed_units(hotline)
    accept(hotline)
    exported = hotline.audit.sign()
    (tmp_path / "checkpoint.txt").write_text(exported.checkpoint)
    (tmp_path / "key").write_text(audit_key_text(hotline))
    assert cli(settings, "audit", "verify", "--quiet", "--checkpoint", str(tmp_path / "checkpoint.txt"), "--public-key", str(tmp_path / "key")) == 0
    assert capsys.readouterr().out.rstrip().endswith("OK")

    attacker = Attacker(hotline)
    attacker.drop_triggers()
    position = attacker.positions()[2]
    attacker.change_byte(position)
    assert cli(settings, "audit", "verify", "--quiet") == 1
    out = capsys.readouterr().out
    assert f"PROBLEM changed at position {position}" in out and f"first differing position {position}" in out
    assert cli(settings, "audit", "verify", "--json") == 1
    assert json.loads(capsys.readouterr().out)["first_problem_position"] == position

    env = {**os.environ, **{f"HOTLINE_{k.upper()}": str(v) for k, v in settings.model_dump(include={"database_url", "cipher_key", "jwt_secret", "audit_key"}).items()}}
    done = subprocess.run([sys.executable, "-m", "hotline.cli", "audit", "verify"], env=env, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 1 and f"first differing position {position}" in done.stdout, done.stdout + done.stderr


def audit_key_text(hotline: Any) -> str:
    return hotline.notary.signer.verifier_key


def test_replay_case_prints_a_chinese_timeline_as_of_an_instant(hotline: Any, settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    seed_units(hotline)
    case_id = accept(hotline)
    hotline.cases.dispatch(case_id, lead_unit="U1", co_units=[], working_days=None, response_hours=None, ctx=ctx(CENTER, later(hours=1)))
    hotline.cases.sign(case_id, ctx=ctx(handler("U1"), later(hours=2)))
    hotline.cases.urge(case_id, method="sms", unit="U1", ctx=ctx(CENTER, later(hours=3)))
    number = hotline.cases.case(case_id, CENTER).number

    assert cli(settings, "replay", "case", number) == 0
    out = capsys.readouterr().out
    for text in ("受理登记", "派单", "签收", "督办（催办）", "第七条第（一）项", "主办单位 U1", "时限 2026-", "张*", "热线中心 center-1（C）"):
        assert text in out, text
    assert "13812345678" not in out and "138****5678" in out

    assert cli(settings, "replay", "case", str(case_id), "--as-of", later(hours=1.5).isoformat()) == 0
    earlier = capsys.readouterr().out
    assert "派单" in earlier and "签收" not in earlier and "截至" in earlier
    assert cli(settings, "replay", "case", "2099010100001") == 1
    assert cli(settings, "replay", "case", str(case_id), "--as-of", later(hours=-1).isoformat()) == 1


def test_harden_on_sqlite_says_the_triggers_do_it(settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    if settings.database.kind != "sqlite":
        assert cli(settings, "db", "harden", "--role", "postgres") == 1  # as the service's own role: refused
        assert "not as the service's role" in capsys.readouterr().err
        return
    assert cli(settings, "db", "harden", "--role", "hotline") == 0
    assert "triggers" in capsys.readouterr().out
