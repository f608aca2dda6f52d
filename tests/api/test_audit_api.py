"""Audit over HTTP: case proofs (visible as the case is), heads, consistency, the full check, dossiers,
and the standalone verifier run on what the API hands out, with the standard library only."""

from __future__ import annotations

import base64
import io
import json
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from hotline.bootstrap import bootstrap
from hotline.web import create_app
from replay import verify_proof
from tests.api.conftest import HANDLER_U1, HANDLER_U2, LEADER_U1, Api, console_sign_in
from tests.attacker import Attacker
from tests.conftest import make_settings
from tests.world import seed_units

pytestmark = pytest.mark.storage
VERIFIER = Path(verify_proof.__file__)


def dispatched_case(api: Api, unit: str = "U1") -> str:
    case_id = api.new_case()["id"]
    api.act(case_id, "dispatch", {"lead_unit": unit})
    return case_id


def public_key(api: Api) -> bytes:
    return base64.b64decode(api.get("/v1/audit/heads").json()["public_key"])


def run_verifier(tmp_path: Path, document: Any, checkpoint: str, key: str) -> subprocess.CompletedProcess[str]:
    """``python -I -S verify_proof.py``: isolated, without site-packages, from a directory of its own."""
    alone = tmp_path / "alone"
    alone.mkdir(exist_ok=True)
    shutil.copy(VERIFIER, alone / "verify_proof.py")
    (alone / "proof.json").write_text(json.dumps(document) if not isinstance(document, str) else document)
    (alone / "checkpoint.txt").write_text(checkpoint)
    (alone / "pubkey").write_text(key)
    return subprocess.run(
        [sys.executable, "-I", "-S", "verify_proof.py", "proof.json", "checkpoint.txt", "pubkey"],
        cwd=alone, capture_output=True, text=True, timeout=60, check=False,
    )


def test_a_case_proof_is_for_whoever_may_see_the_case(api: Api) -> None:
    case_id = dispatched_case(api)
    history = api.fresh(f"/v1/cases/{case_id}/history").json()["items"]
    proof = api.fresh(f"/v1/cases/{case_id}/proof").json()
    assert [leaf["version"] for leaf in proof["leaves"]] == [item["version"] for item in history]
    assert [leaf["position"] for leaf in proof["leaves"]] == [item["position"] for item in history]
    assert proof["checkpoint"].splitlines()[1] == str(proof["tree_size"]) and proof["public_key"]
    assert verify_proof.check(proof, proof["checkpoint"], public_key(api)).failures == 0
    assert api.get(f"/v1/cases/{case_id}/proof", HANDLER_U1).status_code == 200

    hidden = api.get(f"/v1/cases/{case_id}/proof", HANDLER_U2)
    assert hidden.status_code == 404 == api.get(f"/v1/cases/{case_id}", HANDLER_U2).status_code
    assert hidden.json()["type"] == "/problems/not-found"
    assert api.get("/v1/cases/00000000-0000-0000-0000-000000000000/proof").status_code == 404
    assert api.get("/v1/cases/not-a-case/proof").status_code == 404
    for size in (0, 10**9):
        bad = api.get(f"/v1/cases/{case_id}/proof", params={"tree_size": size})
        assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "tree_size"


def test_the_standalone_verifier_checks_what_the_api_hands_out(api: Api, tmp_path: Path) -> None:
    case_id = dispatched_case(api)
    proof = api.fresh(f"/v1/cases/{case_id}/proof").json()
    checkpoint = api.get("/v1/audit/checkpoint").text
    key = api.get("/v1/audit/heads").json()["public_key"]
    done = run_verifier(tmp_path, proof, checkpoint, key)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "VERIFIED" in done.stdout and f"case {case_id} version 2" in done.stdout

    forged = json.loads(json.dumps(proof))
    leaf = bytearray(base64.b64decode(forged["leaves"][0]["leaf_input"]))
    leaf[-1] ^= 1
    forged["leaves"][0]["leaf_input"] = base64.b64encode(bytes(leaf)).decode()
    assert run_verifier(tmp_path, forged, checkpoint, key).returncode == 1
    other_case = json.loads(json.dumps(proof)) | {"case_id": dispatched_case(api)}
    assert run_verifier(tmp_path, other_case, checkpoint, key).returncode == 1  # the leaves are not that case's
    assert run_verifier(tmp_path, proof, checkpoint.replace(f"\n{proof['tree_size']}\n", "\n1\n"), key).returncode == 1
    assert run_verifier(tmp_path, "{not json", checkpoint, key).returncode == 2


def test_heads_are_signed_on_demand_listed_and_proven_consistent(api: Api, tmp_path: Path) -> None:
    assert api.post("/v1/audit/heads", {}, HANDLER_U1).status_code == 403
    first = api.post("/v1/audit/heads", {}, "auditor")
    assert first.status_code == 201, first.text
    dispatched_case(api)
    second = api.post("/v1/audit/heads", {}, "discipline").json()
    assert second["size"] > first.json()["size"]
    health = api.client.get("/health").json()
    assert health["audit"] == {"signing": True, "latest_head": {"size": second["size"], "time": second["time"]}, "signing_error": None}
    listed = api.get("/v1/audit/heads").json()
    key = base64.b64decode(listed["public_key"])
    assert [h["size"] for h in listed["items"]] == [second["size"], first.json()["size"]]
    for head in listed["items"]:
        opened = verify_proof.open_checkpoint(head["checkpoint"], key)
        assert (opened.size, base64.b64encode(opened.root).decode()) == (head["size"], head["root"])
        signed = verify_proof.cosigned_message(head["checkpoint"].split("\n\n")[0] + "\n", int(datetime.fromisoformat(head["time"]).timestamp()))
        assert opened.time == int(datetime.fromisoformat(head["time"]).timestamp())
        assert verify_proof.ed25519_verify(key, signed, base64.b64decode(head["signature"]))  # over size, root and time
    page = api.get("/v1/audit/heads", params={"page_size": 1}).json()
    rest = api.get("/v1/audit/heads", params={"page_size": 1, "page_token": page["next_page_token"]}).json()
    assert [h["size"] for h in page["items"] + rest["items"]] == [second["size"], first.json()["size"]] and rest["next_page_token"] is None

    consistency = api.get("/v1/audit/consistency", params={"from": first.json()["size"], "to": second["size"]}).json()
    assert verify_proof.check(consistency, second["checkpoint"], key).failures == 0
    assert run_verifier(tmp_path, consistency, second["checkpoint"], listed["public_key"]).returncode == 0
    assert api.get("/v1/audit/consistency", params={"from": first.json()["size"]}).json()["to"]["size"] == second["size"]
    for params, field in (({"from": second["size"], "to": first.json()["size"]}, "from"), ({"from": 3}, "from"),
                          ({"from": first.json()["size"], "to": second["size"] - 1}, "to"), ({}, "from"), ({"from": "x"}, "from")):
        refused = api.get("/v1/audit/consistency", params=params)
        assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == field, (params, refused.text)


def test_the_full_check_is_for_auditors_and_names_the_tampered_position(api: Api) -> None:
    dispatched_case(api)
    api.post("/v1/audit/heads", {}, "admin")
    assert api.get("/v1/audit/verify", "center").status_code == 403
    assert api.get("/v1/audit/verify", HANDLER_U1).status_code == 403
    report = api.get("/v1/audit/verify", "auditor").json()
    assert report["ok"] and report["events_checked"] == api.hotline.store.head() == report["head"]["size"]
    attacker = Attacker(api.hotline)
    attacker.drop_triggers()
    position = attacker.positions()[3]
    attacker.change_byte(position)
    tampered = api.get("/v1/audit/verify", "discipline").json()
    assert not tampered["ok"] and tampered["first_problem_position"] == position
    assert tampered["problems"][0] == {"kind": "changed", "position": position, "leaf_index": 3, "detail": tampered["problems"][0]["detail"]}


def test_a_dossier_holds_what_the_reader_may_see_with_proofs_and_a_chinese_summary(api: Api, tmp_path: Path) -> None:
    mine, theirs = dispatched_case(api, "U1"), dispatched_case(api, "U2")
    raised = api.post(
        "/v1/findings",
        {"clause": "11(7)", "subject": {"unit": "U1"}, "basis": [{"case_id": mine, "version": 2}, {"case_id": theirs, "version": 2}],
         "description": "失职未能妥善处理诉求"},
    )
    assert raised.status_code == 201, raised.text
    finding_id = raised.json()["id"]

    full = api.fresh(f"/v1/findings/{finding_id}/dossier").json()
    assert full["finding"]["id"] == finding_id and full["decisions"][0]["action"] == "raised"
    assert {c["id"] for c in full["cases"]} == {mine, theirs} and full["hidden_cases"] == []
    assert full["cases"][0]["history"][0]["data"]["requester"]["phone"] == "13812345678"  # the center sees it in full
    assert full["review"]["finding"]["id"] == finding_id
    assert set(full["proofs"]) == {mine, theirs, finding_id}
    key = base64.b64decode(full["integrity"]["public_key"])
    for proof in full["proofs"].values():
        assert verify_proof.check(proof, full["integrity"]["checkpoint"], key).failures == 0
    assert verify_proof.check(full, full["integrity"]["checkpoint"], key).failures == 0

    unit_view = api.fresh(f"/v1/findings/{finding_id}/dossier", LEADER_U1)
    assert unit_view.status_code == 200, unit_view.text
    body = unit_view.json()
    assert [c["id"] for c in body["cases"]] == [mine] and body["hidden_cases"] == [theirs] and theirs not in body["proofs"]
    assert any(e["case_id"] == theirs for e in full["review"]["basis_events"])
    assert all(e["case_id"] != theirs for e in body["review"]["basis_events"])  # nor its events in the review
    assert all(c["case_id"] != theirs for c in body["review"]["now"]["cases"])
    assert "13812345678" not in unit_view.text and "138****5678" in unit_view.text
    assert api.get(f"/v1/findings/{finding_id}/dossier", HANDLER_U2).status_code == 404
    assert api.get("/v1/findings/00000000-0000-0000-0000-000000000000/dossier").status_code == 404

    zipped = api.get(f"/v1/findings/{finding_id}/dossier", LEADER_U1, headers={"Accept": "application/zip"})
    assert zipped.status_code == 200 and zipped.headers["content-type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(zipped.content))
    assert {"dossier.json", "summary.html", "checkpoint.txt", "public-key.txt", "verify_proof.py", f"proofs/{mine}.json"} <= set(archive.namelist())
    summary = archive.read("summary.html").decode()
    assert "问责卷宗" in summary and "第十一条第（七）项" in summary and "派单" in summary and "13812345678" not in summary
    assert body["cases"][0]["number"] in summary
    archive.extractall(tmp_path / "dossier")
    done = subprocess.run(
        [sys.executable, "-I", "-S", "verify_proof.py", f"proofs/{mine}.json", "checkpoint.txt", "public-key.txt"],
        cwd=tmp_path / "dossier", capture_output=True, text=True, timeout=60, check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr

    console_sign_in(api.client, LEADER_U1)  # the console's download is the same dossier, as the unit may see it
    try:
        page = api.client.get(f"/console/findings/{finding_id}")
        assert f'href="/console/findings/{finding_id}/dossier"' in page.text
        downloaded = zipfile.ZipFile(io.BytesIO(api.client.get(f"/console/findings/{finding_id}/dossier").content))
        same = json.loads(downloaded.read("dossier.json"))
        assert [c["id"] for c in same["cases"]] == [mine] and same["hidden_cases"] == [theirs]
        assert "13812345678" not in downloaded.read("dossier.json").decode()
    finally:
        api.client.cookies.clear()
    console_sign_in(api.client, HANDLER_U2)
    try:
        assert api.client.get(f"/console/findings/{finding_id}/dossier").status_code == 404
    finally:
        api.client.cookies.clear()


@pytest.fixture
def plain_api(database_url: str) -> Iterator[Api]:
    """A service whose log is not encrypted (no cipher key)."""
    hotline = bootstrap(make_settings(database_url, cipher_key=""))
    hotline.start()
    seed_units(hotline)
    try:
        with TestClient(create_app(hotline=hotline)) as client:
            yield Api(client, hotline)
    finally:
        hotline.close()


def test_without_encryption_the_stored_bytes_are_shown_only_to_who_may_see_the_requester(plain_api: Api) -> None:
    case_id = dispatched_case(plain_api)
    unit_proof = plain_api.fresh(f"/v1/cases/{case_id}/proof", HANDLER_U1).json()
    assert all(leaf["leaf_input"] is None for leaf in unit_proof["leaves"]) and "withheld" in unit_proof["content"]
    assert "13812345678" not in json.dumps(unit_proof)
    center_proof = plain_api.fresh(f"/v1/cases/{case_id}/proof").json()
    assert b"13812345678" in base64.b64decode(center_proof["leaves"][0]["leaf_input"])
    key = public_key(plain_api)
    assert verify_proof.check(unit_proof, unit_proof["checkpoint"], key).failures == 0  # hashes alone still verify
