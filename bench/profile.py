"""Where a command's time goes: the real server under one client, sampled by ``py-spy`` per thread.

``python -m bench.profile --store-file var/bench/sqlite-10000-12m-s1.sqlite3 [--seconds 20]`` (or
``--postgres-template hotline_bench_tpl_10000_12m_s1``) copies a store the bench loaded (``--reuse``), starts ``hotline serve`` on the copy, plays case
lifecycles from one client while ``py-spy record`` samples the server (every thread, idle time
left out), and prints the share of samples per thread and the top frames of each. Needs
``py-spy`` (``pip install py-spy``; not a dependency of the project: a tool for the engineer).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench.clients import Samples, client, lifecycle
from bench.servers import hotline_server
from bench.stores import RunStore, fresh_store


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__.split("\n\n")[0])
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--store-file", type=Path, help="a SQLite store the bench loaded (var/bench/*.sqlite3); profiled on a copy")
    where.add_argument(
        "--postgres-template", help="a PostgreSQL store the bench loaded (hotline_bench_tpl_*); profiled on a database copied from it"
    )
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--followers", default="embedded", choices=["embedded", "external"])
    parser.add_argument("--top", type=int, default=12)
    parser.add_argument("--gil", action="store_true", help="only samples holding the GIL (Python CPU), not waits on locks or I/O")
    parser.add_argument("--keep", type=Path, help="also write py-spy's raw stacks here (one line per stack, for a closer look)")
    parser.add_argument("--self", dest="leaf", action="store_true", help="rank frames by their own samples (the innermost frame), not cumulatively")
    args = parser.parse_args(argv)
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    with tempfile.TemporaryDirectory(prefix="hotline-profile-") as tmp:
        directory = Path(tmp)
        with _copied(args, directory) as store, hotline_server(store, "2027-01-01T00:00:00+08:00", followers=args.followers) as server:
            stopping = threading.Event()
            played = Samples()
            driver = threading.Thread(target=lambda: asyncio.run(_play(server.base, played, stopping)), daemon=True)
            driver.start()
            time.sleep(2)  # warm up
            out = directory / "profile.txt"
            subprocess.run(  # noqa: S603 - the engineer's own profiler on our own server
                [py_spy, "record", "--pid", str(server.process.pid), "--duration", str(args.seconds), "--format", "raw",
                 "--threads", "--output", str(out), "--nonblocking", *(["--gil"] if args.gil else [])],
                check=True, capture_output=True,
            )
            stopping.set()
            driver.join(timeout=30)
            if args.keep is not None:
                shutil.copyfile(out, args.keep)
            _summarise(out.read_text(), args.top, leaf=args.leaf)
            print(f"commands: {len(played.latencies)} in the run, p50 {played.ms(0.5):.2f} ms")
    return 0


@contextmanager
def _copied(args: argparse.Namespace, directory: Path) -> Iterator[RunStore]:
    """A copy of the loaded store: profiling plays commands into it."""
    if args.store_file is not None:
        shutil.copy(args.store_file, directory / "hotline.sqlite3")
        yield RunStore("sqlite", f"sqlite:///{directory / 'hotline.sqlite3'}", directory)
        return
    with fresh_store("postgres", directory, template=args.postgres_template) as store:
        yield store


async def _play(base: str, samples: Samples, stopping: threading.Event) -> None:
    async with client(base) as http:
        n = 0
        while not stopping.is_set():
            await lifecycle(http, samples, n)
            n += 1


def _summarise(raw: str, top: int, *, leaf: bool = False) -> None:
    """Per thread: its share of all samples, then its heaviest frames (cumulative, or ``leaf``: innermost only), skipping the frames every thread has."""
    per_thread: collections.Counter[str] = collections.Counter()
    frames: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    total = 0
    for line in raw.splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack:
            continue
        count = int(count_text)
        parts = stack.split(";")
        thread = _thread_name(parts[0])
        per_thread[thread] += count
        total += count
        own = [_short(p) for p in parts[1:] if not _plumbing(p)]
        for frame in (own[-1:] if leaf else dict.fromkeys(own)):
            frames[thread][frame] += count
    for thread, count in per_thread.most_common():
        print(f"\n{thread}: {100 * count / total:.1f}% of samples")
        for frame, n in frames[thread].most_common(top):
            print(f"  {100 * n / count:5.1f}%  {frame}")


def _plumbing(frame: str) -> bool:
    return any(name in frame for name in ("_bootstrap", "Thread.run ", "run_forever", "_run_once", "Runner.run ", "Runner._follow"))


def _thread_name(part: str) -> str:
    name = part.split("(")[-1].rstrip(")") if "(" in part else part
    for prefix in ("follower-", "timekeeper", "notary", "AnyIO", "MainThread", "asyncio"):
        if prefix in name:
            return name if prefix == "follower-" else prefix
    return name.split()[0] if name else "?"


def _short(frame: str) -> str:
    function, _, where = frame.partition(" (")
    where = where.rstrip(")")
    path, _, line = where.rpartition(":")
    for marker in ("/site-packages/", "/work/main/", "/work/"):
        if marker in path:
            path = path.split(marker, 1)[1]
    return f"{function} ({path})"


if __name__ == "__main__":
    raise SystemExit(main())
