"""The ``hotline`` command: ``serve`` the API, print a ``token``, ``simulate`` a synthetic year; ``audit``, ``db``
and ``replay`` (``audit_cli``); ``projections`` and ``report`` (``tools``).

Configuration comes from ``HOTLINE_*`` environment variables (see README); a missing JWT secret
or cipher key is generated into ``./var/`` on first use, so ``hotline serve`` works out of the box.
"""

from __future__ import annotations

import argparse
import logging
import sys
from datetime import date, datetime, timedelta
from pathlib import Path

from api.auth import issue_token
from hotline import tools
from foundation.actors import ROLES
from hotline import audit_cli
from hotline.settings import Settings

DEMO_ROLES = {
    "agent": ("agent-01", "GZ-CENTER"),
    "center": ("center-01", "GZ-CENTER"),
    "unit_handler": ("env-handler", "U-ENV"),
    "unit_leader": ("env-leader", "U-ENV"),
    "city_gov": ("gov-01", "GZ-GOV"),
    "discipline": ("cdi-01", "GZ-CDI"),
    "auditor": ("audit-01", "GZ-AUDIT"),
    "admin": ("admin-01", "GZ-CENTER"),
}


TOKENS_FILE = "demo-tokens"
CONSOLE_LINKS_FILE = "demo-console-links"
def uvicorn_options(*, access_log: bool = False) -> dict[str, object]:
    """How ``hotline serve`` runs uvicorn (the bench starts its framework-floor app with the same options).

    uvloop and httptools come with ``uvicorn[standard]`` and are picked by uvicorn's ``auto``. The
    access log is off unless asked for (``--access-log``): a formatted line per request costs time on
    every request, and the service logs what matters (errors, followers' failures) itself.
    """
    return {"log_level": "info", "access_log": access_log, "loop": "auto", "http": "auto"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="hotline",
        description="Supervision and accountability backend of the 12345 hotline (赣市府办发〔2022〕25号).",
        epilog="Configuration: HOTLINE_DATABASE_URL, HOTLINE_JWT_SECRET, HOTLINE_CIPHER_KEY, HOTLINE_CLOCK, "
        "HOTLINE_CLOCK_START (see README).",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="start the HTTP service")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--demo", action="store_true", help="load a small demo on first start (empty store only)")
    serve.add_argument("--access-log", action="store_true", help="log a line per request (off by default: it costs time on every request)")

    token = commands.add_parser("token", help="print a bearer token (HS256 JWT)")
    token.add_argument("--sub", required=True, help="staff id")
    token.add_argument("--unit", default=None, help="unit id (required for unit roles)")
    token.add_argument("--role", action="append", required=True, choices=ROLES, help="repeat for several roles")
    token.add_argument("--ttl-hours", type=int, default=None, help="validity (default HOTLINE_TOKEN_TTL_HOURS or 12)")

    audit_cli.add_commands(commands)
    followers = commands.add_parser("followers", help="operate the followers of the log (read models, rules)")
    verbs = followers.add_subparsers(dest="verb", required=True)
    set_aside = verbs.add_parser(
        "set-aside", help="record the decision that followers pass over a poison event (see README, Security and reliability)"
    )
    set_aside.add_argument("--position", type=int, required=True, help="the position /health names as failing_at")
    set_aside.add_argument("--reason", required=True, help="why the event cannot be handled (kept in the log)")
    set_aside.add_argument("--follower", action="append", default=[], help="only this follower (repeat; default: every follower)")
    set_aside.add_argument("--by", default="operator", help="who decides (staff id, recorded with the decision)")
    tools.add_commands(commands)
    simulate = commands.add_parser(
        "simulate",
        help="play a synthetic period of the hotline through the application layer (on HOTLINE_DATABASE_URL)",
        description="Drives realistic synthetic cases through the commands, day by day on the simulated clock "
        "(deadline lapses recorded by the timekeeper, findings raised by the rules). Deterministic for a seed.",
    )
    simulate.add_argument("--cases", type=int, required=True, help="how many requests are accepted in the period")
    simulate.add_argument("--from", dest="start", type=date.fromisoformat, required=True, help="first day, YYYY-MM-DD")
    simulate.add_argument("--months", type=int, default=12, help="length of the period (default 12)")
    simulate.add_argument("--seed", type=int, default=1)
    simulate.add_argument("--workers", type=int, default=1, help="processes sharing the cases (PostgreSQL only)")
    simulate.add_argument("--json", action="store_true", help="print the summary as one JSON object (last line)")
    simulate.add_argument("--quiet", action="store_true", help="no progress bar")

    args = parser.parse_args(argv)
    settings = Settings.from_env().with_generated_secrets()
    if args.command == "token":
        return _token(settings, args)
    if args.command in audit_cli.COMMANDS:
        return audit_cli.run(settings, args)
    if args.command == "followers":
        return _set_aside(settings, args)
    if args.command in ("projections", "report"):
        return tools.run(settings, args)
    if args.command == "simulate":
        from hotline.simulate import main as simulate_main

        return simulate_main(settings, args)
    return _serve(settings, args)


def _set_aside(settings: Settings, args: argparse.Namespace) -> int:
    """Record a set-aside decision in the log; running followers read it at their next retry."""
    from foundation.actors import Actor
    from foundation.application import Context
    from foundation.clock import SystemClock
    from foundation.errors import DomainError
    from hotline.bootstrap import bootstrap

    hotline = bootstrap(settings.model_copy(update={"followers": "external"}))
    try:
        actor = Actor(staff=args.by, unit=None, roles=("admin",))
        recorded = hotline.operations.set_aside(
            position=args.position, followers=args.follower, reason=args.reason, ctx=Context(actor=actor, now=SystemClock().now())
        )
    except DomainError as error:
        print(f"hotline followers set-aside: {error}", file=sys.stderr)
        return 2
    finally:
        hotline.close()
    scope = ", ".join(args.follower) or "every follower"
    print(f"position {args.position} set aside for {scope} (decision recorded at position {recorded.position})")
    return 0


def _token(settings: Settings, args: argparse.Namespace) -> int:
    from foundation.clock import SystemClock

    ttl = timedelta(hours=args.ttl_hours or settings.token_ttl_hours)
    try:
        print(issue_token(settings.jwt_secret, sub=args.sub, unit=args.unit, roles=args.role, now=SystemClock().now(), ttl=ttl))
    except ValueError as error:
        print(f"hotline token: {error}", file=sys.stderr)
        return 2
    return 0


def _serve(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn

    from hotline.bootstrap import bootstrap
    from hotline.web import create_app

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    hotline = bootstrap(settings)
    if args.demo and hotline.store.head() == 0:
        from hotline.demo import load_demo

        print("Loading the demo (first start) ...", flush=True)
        summary = load_demo(hotline)
        print(f"  {summary}", flush=True)
    hotline.start()
    _print_banner(settings, hotline, args)
    app = create_app(settings, hotline=hotline)
    try:
        uvicorn.run(app, host=args.host, port=args.port, **uvicorn_options(access_log=args.access_log))  # type: ignore[arg-type]
    finally:
        hotline.close()
    return 0


def _print_banner(settings: Settings, hotline: object, args: argparse.Namespace) -> None:
    """Where the service is, and where the demo tokens are: in a file only the owner reads, never on stdout or in a log."""
    from foundation.clock import SystemClock
    from hotline.settings import private_dir, private_file

    base = f"http://{args.host}:{args.port}"
    print(f"\nhotline on {settings.database.describe()}; clock: {settings.clock}")
    print(f"API docs: {base}/docs   OpenAPI: {base}/openapi.json   health: {base}/health")
    notary = getattr(hotline, "notary", None)
    if notary is not None:
        print(f"Tree heads signed by {notary.signer.verifier_key} (checkpoint: {base}/v1/audit/checkpoint)")
    now = SystemClock().now()
    lines = [f"# bearer tokens for the demo, one per role, valid 12 hours from {now.isoformat()}", "# role sub unit token"]
    for role, (sub, unit) in DEMO_ROLES.items():
        token = issue_token(settings.jwt_secret, sub=sub, unit=unit, roles=[role], now=now, ttl=timedelta(hours=12))
        lines.append(f"{role} {sub} {unit} {token}")
    private_dir(settings.var_dir)
    path = settings.var_dir / TOKENS_FILE
    private_file(path, "\n".join(lines) + "\n")
    print(f"Bearer tokens, one per role (valid 12 hours), are in {path.resolve()} (mode 0600);")
    print(f"  e.g. export TOKEN=$(awk '$1==\"center\" {{print $4}}' {path})")
    links = _console_links(settings, base, now)
    print(f"Console (staff web pages, Chinese): {base}/console/ ; one-time sign-in links, one per role, in {links.resolve()}")
    print(flush=True)


def _console_links(settings: Settings, base: str, now: datetime) -> Path:
    """One-time console sign-in links per demo role, in a file only the owner reads (a link is a credential)."""
    from console.session import Sessions
    from hotline.settings import private_file

    sessions = Sessions(settings.jwt_secret)
    lines = [f"# one-time console sign-in links for the demo, one per role, valid 12 hours from {now.isoformat()}", "# role link"]
    for role, (sub, unit) in DEMO_ROLES.items():
        code = sessions.link_code(sub=sub, unit=unit, roles=[role], now=now, ttl=timedelta(hours=12))
        lines.append(f"{role} {base}/console/login/link?code={code}")
    path = settings.var_dir / CONSOLE_LINKS_FILE
    private_file(path, "\n".join(lines) + "\n")
    return path


if __name__ == "__main__":
    raise SystemExit(main())
