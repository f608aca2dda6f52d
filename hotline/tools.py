"""``hotline projections status|rebuild|run`` and ``hotline report monthly|assessment``.

* ``projections status``: every follower's tracked position and how far it lags behind the log,
  and each follower that fails (in a worker: as the worker reported it) with its position.
* ``projections rebuild [NAME]``: drop a read model (or all of them) and rebuild it from the whole
  log, in large batches (one transaction each), with a progress bar (log positions, events/s, ETA).
  Stop the followers that write it first (the API with embedded followers, or the worker).
* ``projections run``: the worker: the rules process, every read model and the timekeeper, against
  the configured database, until SIGINT/SIGTERM; API processes then run with
  ``HOTLINE_FOLLOWERS=external`` and only wait for positions (on PostgreSQL the worker announces
  each batch it records, and their waits wake then; on SQLite they poll).
* ``report monthly YYYY-MM`` / ``report assessment YYYY``: a report as json, csv, xlsx or html, to a
  file (``-o``) or standard output.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any

from hotline.settings import Settings

REBUILD_BATCH = 2000


def add_commands(commands: Any) -> None:
    projections = commands.add_parser("projections", help="read models and processes: status, rebuild, run (the worker)")
    actions = projections.add_subparsers(dest="action", required=True)
    actions.add_parser("status", help="each follower's position and lag, and any that fails")
    rebuild = actions.add_parser("rebuild", help="rebuild a read model (or every one) from the log")
    rebuild.add_argument("name", nargs="?", help="case_index, findings_list, scorecards or spot_checks (default: all)")
    rebuild.add_argument("--batch", type=int, default=REBUILD_BATCH, help="events per transaction")
    actions.add_parser("run", help="run the followers and the timekeeper as a separate worker (HOTLINE_FOLLOWERS=external for the API)")

    report = commands.add_parser("report", help="write a report (Art. 8 monthly, Art. 18 assessment)")
    kinds = report.add_subparsers(dest="kind", required=True)
    for kind, period in (("monthly", "YYYY-MM"), ("assessment", "YYYY")):
        parser = kinds.add_parser(kind)
        parser.add_argument("period", metavar=period)
        parser.add_argument("--format", choices=("json", "csv", "xlsx", "html"), default="json")
        parser.add_argument("-o", "--output", type=Path, help="file to write (default: standard output)")


def run(settings: Settings, args: argparse.Namespace) -> int:
    if args.command == "report":
        return _report(settings, args)
    if args.action == "status":
        return _status(settings)
    if args.action == "rebuild":
        return _rebuild(settings, args.name, args.batch)
    return _worker(settings)


def _built(settings: Settings, followers: str) -> Any:
    from hotline.bootstrap import bootstrap

    return bootstrap(settings.model_copy(update={"followers": followers}))


def _status(settings: Settings) -> int:
    hotline = _built(settings, "external")
    try:
        head = hotline.store.head()
        print(f"log head: {head}  ({settings.database.describe()})")
        print(f"{'follower':<16}{'stage':>6}{'position':>12}{'lag':>10}")
        rows = hotline.followers.status()
        for row in rows:
            print(f"{row['name']:<16}{row['stage']:>6}{row['position']:>12}{row['lag']:>10}")
        for row in rows:
            if row["error"]:  # as the worker reported it (README, Security and reliability)
                print(f"{row['name']} failing at position {row['failing_at']} ({row['failures']} failures): {row['error']}")
    finally:
        hotline.close()
    return 0


def _rebuild(settings: Settings, name: str | None, batch: int) -> int:
    from tqdm import tqdm

    hotline = _built(settings, "external")
    try:
        views = [hotline.followers.alone(f.name) for f in hotline.followers.followers() if f.stage == 1 and hasattr(f, "view")]
        if name is not None:
            views = [r for r in views if r.name == name]
            if not views:
                names = ", ".join(f.name for f in hotline.followers.followers() if f.stage == 1 and hasattr(f, "view"))
                print(f"hotline projections rebuild: no read model '{name}'; read models: {names}", file=sys.stderr)
                return 2
        head = hotline.store.head()
        for runner in views:
            view = runner.follower.view
            hotline.store.recorder.delete_tracking(view.name)
            runner.follower.setup()  # untracked: its tables are dropped and created anew
            handled, started, position = 0, time.monotonic(), 0
            with tqdm(total=head, unit="pos", unit_scale=True, desc=f"rebuild {runner.name}", file=sys.stderr, dynamic_ncols=True) as bar:
                while notifications := hotline.store.recorder.select_notifications(
                    start=position, limit=batch, stop=head, topics=runner.follower.topics, inclusive_of_start=False
                ):
                    runner.handle(notifications)
                    handled += len(notifications)
                    bar.update(notifications[-1].id - position)
                    position = notifications[-1].id
                    bar.set_postfix(events=handled, events_per_s=f"{handled / max(time.monotonic() - started, 1e-9):.0f}")
                bar.update(head - position)
            while runner.step():  # what was recorded while it rebuilt
                pass
            view.index()  # built without its secondary indexes: now they are made once
            seconds = time.monotonic() - started
            print(f"{runner.name}: {handled} events to position {head} in {seconds:.1f}s ({handled / max(seconds, 1e-9):.0f} events/s)")
    finally:
        hotline.close()
    return 0


def _worker(settings: Settings) -> int:
    import logging

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    hotline = _built(settings, "embedded")
    stopping = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stopping.set())
    try:
        hotline.followers.announcing()  # API processes with HOTLINE_FOLLOWERS=external hear each batch recorded
        hotline.start()
        print(f"followers running on {settings.database.describe()}: {', '.join(hotline.followers.order)}", flush=True)
        stopping.wait()
    finally:
        hotline.close()
    return 0


def _report(settings: Settings, args: argparse.Namespace) -> int:
    import orjson

    from api.render.documents import assessment_document, monthly_document
    from api.render.page import to_html
    from api.render.tabular import to_csv, to_xlsx
    from foundation.errors import DomainError

    external = settings.followers == "external"
    hotline = _built(settings, "external" if external else "inline")
    try:
        if not external:  # a worker keeps the read models otherwise; here, bring them to the head first
            hotline.followers.catch_up()
        try:
            if args.kind == "monthly":
                report = hotline.reports.monthly(args.period)
                document = monthly_document(report)
            else:
                report = hotline.reports.assessment(args.period)
                document = assessment_document(report)
        except DomainError as error:
            print(f"hotline report: {error}", file=sys.stderr)
            return 2
        generated = hotline.clock.now().isoformat(timespec="seconds")
        body = {
            "json": lambda: orjson.dumps(report, option=orjson.OPT_INDENT_2),
            "csv": lambda: to_csv(document),
            "xlsx": lambda: to_xlsx(document),
            "html": lambda: to_html(document, generated=generated),
        }[args.format]()
    finally:
        hotline.close()
    if args.output is None:
        if args.format == "xlsx":
            print("hotline report: an xlsx workbook needs -o FILE", file=sys.stderr)
            return 2
        sys.stdout.buffer.write(body)
        return 0
    args.output.write_bytes(body)
    print(f"{args.output}: {len(body)} bytes ({document.title}, {args.format})", file=sys.stderr)
    return 0
