"""The audit commands of the ``hotline`` CLI: ``audit head|key|verify``, ``db harden``, ``replay case``.

They run against the configured store (``HOTLINE_*``), in this process, without starting the HTTP
service; read models and the integrity tree are caught up inline where a command needs them.
"""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import orjson

from hotline.settings import Settings

COMMANDS = ("audit", "db", "replay")


def add_commands(commands: Any) -> None:
    audit = commands.add_parser("audit", help="the event log's integrity: signed tree heads, the full check")
    audit_commands = audit.add_subparsers(dest="audit_command", required=True)
    head = audit_commands.add_parser("head", help="print the latest signed tree head as a C2SP checkpoint")
    head.add_argument("--sign", action="store_true", help="sign the tree's head now, then print it")
    audit_commands.add_parser("key", help="print the public key that signs the heads (base64, and as a C2SP verifier key)")
    verify = audit_commands.add_parser(
        "verify", help="recompute every leaf from the stored rows; compare with the tree and every signed head (exit 1 on a problem)"
    )
    verify.add_argument("--checkpoint", action="append", default=[], type=Path, help="a checkpoint kept outside (repeatable)")
    verify.add_argument("--public-key", type=Path, help="the key the checkpoints were signed with (default: the service's own)")
    verify.add_argument("--json", action="store_true", help="print the report as JSON")
    verify.add_argument("--quiet", action="store_true", help="no progress bar")

    db = commands.add_parser("db", help="database administration")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    harden = db_commands.add_parser(
        "harden", help="PostgreSQL: revoke UPDATE, DELETE and TRUNCATE on the event log and the signed heads from the service's role"
    )
    harden.add_argument("--role", required=True, help="the role the service connects as")

    replay = commands.add_parser("replay", help="replay history")
    replay_commands = replay.add_subparsers(dest="replay_command", required=True)
    case = replay_commands.add_parser("case", help="print a case as a timeline in Chinese (the data of /history)")
    case.add_argument("case", help="case id or case number")
    case.add_argument("--as-of", type=datetime.fromisoformat, default=None, help="the case as it stood at this instant (with offset)")
    case.add_argument("--full", action="store_true", help="show the requester in full (the center's view; default: masked)")


def run(settings: Settings, args: argparse.Namespace) -> int:
    if args.command == "db":
        return _harden(settings, args)
    from hotline.bootstrap import bootstrap

    hotline = bootstrap(settings.model_copy(update={"followers": "inline"}))
    try:
        if args.command == "replay":
            return _replay_case(hotline, args)
        if args.audit_command == "head":
            return _head(hotline, args)
        if args.audit_command == "key":
            return _key(hotline)
        return _verify(hotline, args)
    finally:
        hotline.close()


def _fail(message: str) -> int:
    print(f"hotline: {message}", file=sys.stderr)
    return 1


def _head(hotline: Any, args: argparse.Namespace) -> int:
    from foundation.errors import DomainError, NotFound

    try:
        head = hotline.audit.sign() if args.sign else hotline.audit.latest()
    except NotFound:
        return _fail("no signed tree head yet (hotline audit head --sign signs one)")
    except DomainError as error:
        return _fail(str(error))
    print(head.checkpoint, end="")
    return 0


def _key(hotline: Any) -> int:
    if hotline.notary is None:
        return _fail("no audit signing key is configured (HOTLINE_AUDIT_KEY)")
    from replay.heads import b64

    signer = hotline.notary.signer
    print(b64(signer.public_key))
    print(signer.verifier_key)
    return 0


def _verify(hotline: Any, args: argparse.Namespace) -> int:
    from replay.heads import ed25519_verify
    from replay.integrity import Target
    from replay.verify_proof import open_checkpoint, read_public_key

    key = read_public_key(args.public_key.read_bytes()) if args.public_key else hotline.audit.public_key
    checkpoints = []
    for path in args.checkpoint:
        if key is None:
            return _fail("no public key to check the checkpoints with (--public-key)")
        try:
            opened = open_checkpoint(path.read_text(encoding="utf-8"), key, verify=ed25519_verify)
        except (OSError, ValueError) as error:
            return _fail(f"{path}: {error}")
        checkpoints.append(Target(opened.size, opened.root, f"the checkpoint {path.name} (size {opened.size})"))
    if args.quiet or args.json:
        report = hotline.audit.verify(checkpoints=checkpoints)
    else:
        from tqdm import tqdm

        with tqdm(total=hotline.store.head() or 1, unit="ev", unit_scale=True, desc="verifying", file=sys.stderr, leave=False) as bar:

            def progress(done: int, total: int) -> None:
                bar.total = total
                bar.update(done - bar.n)

            report = hotline.audit.verify(checkpoints=checkpoints, progress=progress)
    body = report.as_dict()
    if args.json:
        print(orjson.dumps(body, option=orjson.OPT_INDENT_2).decode())
    else:
        print(
            f"{body['events_checked']} events checked in {body['seconds']}s ({body['events_per_second']} events/s); "
            f"tree size {body['head']['size']}, root {body['head']['root']}; "
            f"{body['heads_checked']} signed heads, {body['checkpoints_checked']} checkpoints; {body['pending']} not in the tree yet"
        )
        for problem in body["problems"]:
            where = f"position {problem['position']}" if problem["position"] is not None else "the log"
            print(f"PROBLEM {problem['kind']} at {where}: {problem['detail']}")
        print("OK" if report.ok else f"NOT OK: first differing position {body['first_problem_position']}")
    return 0 if report.ok else 1


def _harden(settings: Settings, args: argparse.Namespace) -> int:
    from foundation.hardening import harden
    from replay.heads import HEADS

    try:
        target = settings.database
        tables = ["stored_events" if target.kind == "sqlite" else "hotline_events", HEADS]
        for line in harden(target, args.role, tables):
            print(line)
    except ValueError as error:
        return _fail(str(error))
    return 0


def _replay_case(hotline: Any, args: argparse.Namespace) -> int:
    from api.presenters import present_history
    from foundation.actors import Actor
    from foundation.errors import NotFound
    from replay.timeline import STATUS_LABELS, describe

    actor = Actor(staff="cli", roles=("center",) if args.full else ("auditor",))
    try:
        case_id = UUID(args.case)
    except ValueError:
        hotline.followers.catch_up()
        case_id = hotline.index.case_id_for(args.case)
        if case_id is None:
            return _fail(f"no case {args.case}")
    try:
        case = hotline.cases.case(case_id, actor, as_of=args.as_of)
        _, events = hotline.cases.history(case_id, actor)
    except NotFound:
        return _fail(f"no case {args.case}" + (f" as of {args.as_of.isoformat()}" if args.as_of else ""))
    items = present_history(case, [(p, e) for p, e in events if e.originator_version <= case.version], actor)
    when = f"，截至 {args.as_of.isoformat()}" if args.as_of else ""
    print(f"办件 {case.number}（{case.category}：{case.summary}）{STATUS_LABELS.get(case.status, case.status)}，第 {case.version} 版{when}")
    for item in items:
        print(describe(item))
    if case.rounds:
        deadline = case.rounds[-1].deadline
        state = "已逾期" if deadline.lapsed_at else "未逾期"
        print(f"当前办理时限：{deadline.due_date}（{deadline.rule}）{state}")
    return 0
