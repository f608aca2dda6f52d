"""``python -m bench.instructions``: instructions per command, the command's own and the followers', counted by valgrind.

On a shared virtual machine wall-clock and CPU-time figures drift by a third from one minute to
the next (the bench's ``command_cpu_ms`` did, with the same code), so a change of a tenth cannot be
seen in them. The number of instructions the process executes does not drift. This plays case
lifecycles (accept, dispatch, sign, reply) through the application layer on a fresh SQLite store,
each command followed by the read-your-writes wait (``consistent``), with the followers live in
their threads, and again with them stopped; each under ``valgrind --tool=cachegrind`` for
``--lifecycles`` and for none, so start-up cancels out. Printed per command: the instructions of
the command, of the followers and the wait, and their ratio (what ``followers_overhead`` measures
in time). ``--code DIR`` counts another checkout's code with this workload (before/after a change).

Needs ``valgrind`` (``apt-get install valgrind``; a tool for the engineer, not a dependency).
Each count takes about half a minute.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

COMMANDS_PER_LIFECYCLE = 4


def play(lifecycles: int, *, followers: str, directory: Path, database_url: str | None = None, timed: list[float] | None = None) -> None:
    """The workload (run inside valgrind): ``lifecycles`` cases taken from acceptance to the reply.

    On ``database_url`` (default: a SQLite file in ``directory``); ``timed``: each wait's seconds
    are appended to it, the three warm-up lifecycles' left out (``bench.wait``).
    """
    from cases.calendar import TZ
    from cases.values import Requester
    from foundation.application import Context
    from hotline.bootstrap import bootstrap
    from hotline.settings import Settings
    from hotline.simulation.engine import ensure_reference
    from hotline.simulation.world import agent, center_clerk, unit_handler

    settings = Settings(
        database_url=database_url or f"sqlite:///{directory / 'hotline.sqlite3'}", jwt_secret="instructions-" + "x" * 40,
        cipher_key="aG90bGluZSBiZW5jaDogbm90IGEgc2VjcmV0IGtleSE=", clock="manual",
        clock_start=datetime(2026, 3, 2, 8, tzinfo=TZ), followers=followers, follower_poll_interval=5.0, var_dir=directory,
    )
    hotline = bootstrap(settings)
    hotline.start()
    start = datetime(2026, 3, 2, 9, tzinfo=TZ)
    ensure_reference(hotline, start)
    requester = Requester(name="张三", phone="13812345678", id_number="360702199001011234", address="赣州市章贡区红旗大道1号")

    warm = 3
    i = 0

    def wait(recorded: object) -> None:
        if followers == "external":
            return
        began = time.perf_counter()
        hotline.consistent(recorded.position)  # type: ignore[attr-defined]
        if timed is not None and i >= warm:
            timed.append(time.perf_counter() - began)

    try:
        for i in range(lifecycles + warm):  # three to warm the caches
            at = start + timedelta(minutes=i)
            accepted = hotline.cases.accept(
                channel="phone", category="environment", summary="夜间施工噪音", content="工地夜间施工", urgency="normal",
                requester=requester, confidential=False, ctx=Context(actor=agent(i), now=at),
            )
            wait(accepted)
            case_id, unit = accepted.aggregate.id, "U-ZG"
            clerk = Context(actor=center_clerk(i), now=at + timedelta(minutes=5))
            wait(hotline.cases.dispatch(case_id, lead_unit=unit, co_units=[], working_days=None, response_hours=None, ctx=clerk))
            handler = unit_handler(unit)
            wait(hotline.cases.sign(case_id, ctx=Context(actor=handler, now=at + timedelta(hours=1))))
            wait(hotline.cases.reply(case_id, content="已协调停工", outcome="resolved", ctx=Context(actor=handler, now=at + timedelta(hours=3))))
    finally:
        hotline.close()


def count(lifecycles: int, *, followers: str, code: Path) -> int:
    """Instructions the whole process executed for ``lifecycles`` (valgrind's ``I refs``)."""
    with tempfile.TemporaryDirectory(prefix="hotline-instructions-") as tmp:
        command = [
            "valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null",
            sys.executable, str(Path(__file__).resolve()), "--play", str(lifecycles), "--followers", followers, "--directory", tmp,
        ]
        env = {**os.environ, "PYTHONPATH": str(code)}
        done = subprocess.run(command, cwd=code, env=env, capture_output=True, text=True, check=False)  # noqa: S603 - our own workload
        found = re.search(r"I\s+refs:\s+([\d,]+)", done.stderr)
        if done.returncode != 0 or found is None:
            raise RuntimeError(f"the count failed ({done.returncode}):\n{done.stderr[-3000:]}")
        return int(found.group(1).replace(",", ""))


def measure(lifecycles: int, code: Path) -> dict[str, float]:
    per = {}
    for followers in ("embedded", "external"):
        per[followers] = (count(lifecycles, followers=followers, code=code) - count(0, followers=followers, code=code)) / (lifecycles * COMMANDS_PER_LIFECYCLE)
    command, everything = per["external"], per["embedded"]
    return {
        "command_instructions": round(command),
        "followers_and_wait_instructions": round(everything - command),
        "instructions_per_command": round(everything),
        "followers_instruction_overhead": round(everything / command, 2),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.instructions", description=__doc__.split("\n\n")[0])
    parser.add_argument("--lifecycles", type=int, default=40)
    parser.add_argument("--code", type=Path, default=Path.cwd(), help="the checkout whose code runs the workload (default: this one)")
    parser.add_argument("--play", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--followers", default="embedded", help=argparse.SUPPRESS)
    parser.add_argument("--directory", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.play is not None:
        play(args.play, followers=args.followers, directory=args.directory)
        return 0
    if shutil.which("valgrind") is None:
        print("python -m bench.instructions: needs valgrind (apt-get install valgrind)", file=sys.stderr)
        return 2
    figures = measure(args.lifecycles, args.code.resolve())
    for name, value in figures.items():
        print(f"{name:<36}{value:>16,}")
    print(json.dumps({**figures, "code": str(args.code.resolve()), "lifecycles": args.lifecycles}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
