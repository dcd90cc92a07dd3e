"""`mission serve`: the web inbox and HTTP API over the run store (docs/serve.md).

It listens on 127.0.0.1 by default (put a TLS reverse proxy in front to reach
it from elsewhere). With no accounts yet, it makes a user `admin` and prints
that user's API token once, on standard output; only the token's hash is
kept, and nothing logs it again. Starlette, uvicorn and Jinja2 are imported
only here, when the server starts (`pip install 'mission[serve]'`).

It runs the timer service (deadlines and reminders) every `--tick` seconds,
unless `--no-timers` leaves that to `mission tick`; its pages write times in
`--timezone` (UTC by default). With `MISSION_NOW` set (the virtual clock of
docs/runtime.md) it says so on standard error when it starts.

With a configuration (`--config`, else the one found from the current directory) it also
starts the runs of its schedules and delivers its notifications (`--no-schedules`,
`--no-notify` leave them to `mission tick`). It refuses to start when a schedule cannot
fire (`mission check`'s E070-E073, printed) or a secret the notifications need cannot be
read, so such a problem is found at the start, not in the night.
"""

from __future__ import annotations

import argparse
import socket
import sys
from datetime import UTC, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mission.accounts import ADMIN_GROUP, AccountError, Accounts
from mission.cli import EXIT_OK, UsageError
from mission.serve.catalogue import Mission, load_catalogue
from mission.serve.locations import accounts_path, add_location_arguments, store_location

if TYPE_CHECKING:
    from compiler.config import Config

_NEEDS = ("starlette", "uvicorn", "jinja2", "prometheus_client")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1",
                        help="the address to listen on (default 127.0.0.1: this machine only)")
    parser.add_argument("--port", type=int, default=8000,
                        help="the port (default 8000; 0 picks a free one, printed at start)")
    add_location_arguments(parser)
    parser.add_argument("--missions", metavar="DIR",
                        help="a directory of .mission and compiled .json files people may start "
                             "(beside the registered missions)")
    parser.add_argument("--insecure-cookies", action="store_true",
                        help="send session cookies over plain HTTP too (only for a test on "
                             "localhost without TLS; browsers keep `Secure` cookies of "
                             "http://localhost anyway)")
    parser.add_argument("--forwarded-allow-ips", metavar="IPS", default="",
                        help="behind a reverse proxy: the proxy's address(es), comma-separated, "
                             "whose X-Forwarded-For/-Proto headers are believed (the sign-in "
                             "limit then counts the real client's address)")
    parser.add_argument("--log-level", default="info",
                        choices=["critical", "error", "warning", "info", "debug"],
                        help="how much the server logs (default info: one line per request)")
    parser.add_argument("--request-timeout", type=float, default=10.0, metavar="SECONDS",
                        help="how long a request's headers, and then its body, may take to "
                             "arrive (default 10): a slower client gets 408")
    parser.add_argument("--tick", type=float, default=10.0, metavar="SECONDS",
                        help="fire the deadlines and reminders that are due every SECONDS "
                             "(default 10)")
    parser.add_argument("--no-timers", action="store_true",
                        help="fire no deadline or reminder here (run `mission tick` from cron "
                             "or a systemd timer, or another server, instead)")
    parser.add_argument("--config", metavar="FILE",
                        help="the mission.toml or pyproject.toml whose schedules and "
                             "notifications this server runs (default: found from the current "
                             "directory upwards)")
    parser.add_argument("--no-schedules", action="store_true",
                        help="start no scheduled run here (leave it to `mission tick` or "
                             "another server)")
    parser.add_argument("--no-notify", action="store_true",
                        help="deliver no notification here (leave it to `mission tick` or "
                             "another server)")
    parser.add_argument("--timezone", default="UTC", metavar="ZONE",
                        help="the time zone the pages write times in, an IANA name such as "
                             "Europe/Paris (default UTC); data keeps UTC")


def _require_extra() -> None:
    """Import what `mission[serve]` brings, or say how to install it."""
    import importlib

    for name in _NEEDS:
        try:
            importlib.import_module(name)
        except ImportError:
            raise UsageError(f"the web server needs the `serve` extra ({name} is not "
                             "installed): pip install 'mission[serve]'") from None


def run(args: argparse.Namespace) -> int:
    _require_extra()
    if not 0 <= args.port < 65536:
        raise UsageError(f"--port is from 0 to 65535, not {args.port}")
    if not 0.1 <= args.request_timeout <= 3600:
        raise UsageError(f"--request-timeout is from 0.1 to 3600 seconds, not "
                         f"{args.request_timeout:g}")
    if not 0.05 <= args.tick <= 3600:
        raise UsageError(f"--tick is from 0.05 to 3600 seconds, not {args.tick:g}")
    zone = time_zone(args.timezone)
    from mission.acting import the_clock

    the_clock().now()  # a virtual clock that cannot be read stops here
    from mission.stores import display
    from runtime.store_api import StoreError, open_store

    location = store_location(args)
    try:
        with open_store(location):
            pass  # created (or migrated) now, so a bad store stops here, not at the first page
    except StoreError as problem:
        raise UsageError(str(problem)) from None
    accounts_file = accounts_path(args, location)
    missions = Path(args.missions) if args.missions else None
    if missions is not None and not missions.is_dir():
        raise UsageError(f"--missions {missions}: not a directory")
    try:
        with Accounts(accounts_file) as accounts:
            first_token = _first_admin(accounts)
    except AccountError as problem:
        raise UsageError(str(problem)) from None
    config, link_key = _configuration(args)
    catalogue = load_catalogue(missions)
    listener = _listen(args.host, args.port)
    host, port = listener.getsockname()[:2]
    shown_host = f"[{host}]" if ":" in host else host
    if first_token is not None:
        print("mission serve: no users yet, so there is now a user `admin`; its API token "
              "(shown only this once, only its hash is kept):\n"
              f"    {first_token}\n"
              "sign in as `admin` with it, or add people: mission users add NAME --group GROUP",
              flush=True)
    print(f"mission serve: listening on http://{shown_host}:{port}/ (run store "
          f"{display(location)}, accounts {accounts_file}, {len(catalogue)} missions)",
          flush=True)
    _say_how_time_goes(args)
    return _serve(args, location, accounts_file, catalogue, listener, zone, config, link_key)


def time_zone(name: str) -> tzinfo:
    """The zone `--timezone` names (IANA, through `zoneinfo`), or a usage error saying
    what names look like, with the nearest known names."""
    import difflib
    import zoneinfo

    if name.upper() == "UTC":
        return UTC
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        pass
    known = zoneinfo.available_timezones()
    near = difflib.get_close_matches(name, sorted(known), n=1)
    hint = f"; did you mean {near[0]}?" if near else \
        " such as Europe/Paris, America/New_York or UTC"
    raise UsageError(f"--timezone {name!r} is not a time zone this system knows: give an "
                     f"IANA name{hint}")


def _say_how_time_goes(args: argparse.Namespace) -> None:
    """One line on standard error: where the time comes from, and who fires deadlines."""
    import os

    from mission.acting import CLOCK_VARIABLE, is_virtual

    if is_virtual():
        print(f"mission serve: warning: the clock is virtual ({CLOCK_VARIABLE}="
              f"{os.environ.get(CLOCK_VARIABLE, '').strip()}): every time this server records "
              "comes from it, not from the system clock (for tests and demos only)",
              file=sys.stderr, flush=True)
    if args.no_timers:
        print("mission serve: --no-timers: this server fires no deadline or reminder; run "
              "`mission tick` (cron, a systemd timer) or another server for them",
              file=sys.stderr, flush=True)


def _configuration(args: argparse.Namespace) -> tuple[Config, bytes | None]:
    """The configuration this server runs, checked: its schedules fire (E070-E073, printed
    with their places) and the secrets of its notifications can be read (each read now and
    dropped); and the key that checks answer links (None: none configured)."""
    from mission.files import read_config

    config = read_config(args.config)
    if config.schedules and not args.no_schedules:
        _check_schedules(config)
    notify = config.notify
    if notify is None:
        return config, None
    from mission.links import link_key
    from mission.secret_refs import read_secret

    refs = [(hook.url, f"the URL of webhook `{hook.name}`") for hook in notify.webhooks
            if not isinstance(hook.url, str)]
    refs += [(hook.secret, f"the signing secret of webhook `{hook.name}`")
             for hook in notify.webhooks if hook.secret is not None]
    if notify.email is not None and notify.email.password is not None:
        refs.append((notify.email.password, "the SMTP password"))
    for ref, what in refs:
        read_secret(ref, what)
    if notify.link_secret is None:
        return config, None
    return config, link_key(read_secret(notify.link_secret, "the link secret"))


def _check_schedules(config: Config) -> None:
    from compiler.render import render_all
    from compiler.source import SourceFile
    from mission.colour import use_colour
    from mission.files import read_text
    from mission.schedule_check import check_configuration

    text = read_text(config.origin, what="a configuration file")
    found = check_configuration(config, text, config.origin)
    if found:
        print(render_all(sorted(found, key=lambda d: d.sort_key),
                         SourceFile(config.origin, text), use_colour(sys.stderr)),
              file=sys.stderr, end="\n\n")
        raise UsageError(f"{config.origin}: {len(found)} schedule"
                         f"{'s' * (len(found) != 1)} cannot fire; refusing to start (fix them: "
                         f"`mission check {config.origin}`, or start with --no-schedules)")


def _first_admin(accounts: Accounts) -> str | None:
    """With no users at all: a user `admin` (no password) and its first token."""
    if accounts.users():
        return None
    accounts.add_user("admin", None, [ADMIN_GROUP])
    return accounts.new_token("admin")


def _log_config(level: str) -> dict[str, object]:
    """uvicorn's logging, all of it on standard error: standard output carries only the
    address and the first token. A request line shows method, path and status, never a
    header or a body, so no password, token or cookie reaches the log. Errors (uvicorn's,
    the event loop's, the server's own) go through `Repeated`: one line per message per
    10 s, so a failure that repeats at once cannot fill the disk."""
    import copy

    from uvicorn.config import LOGGING_CONFIG

    config: dict[str, Any] = copy.deepcopy(LOGGING_CONFIG)
    config["filters"] = {"repeated": {"()": "mission.serve.connections.Repeated"}}
    handlers = config["handlers"]
    handlers["access"]["stream"] = "ext://sys.stderr"
    handlers["default"]["filters"] = ["repeated"]
    for name in ("asyncio", "mission"):
        config["loggers"][name] = {"handlers": ["default"], "level": "WARNING",
                                   "propagate": False}
    # one line per deadline or reminder fired (`mission.serve.app.TIMER_LOG`), every one
    # of them: each is a different event, never a repeated error
    handlers["timers"] = {**handlers["default"], "filters": []}
    for name in ("timers", "schedules", "notify"):  # `mission.serve.app`'s services
        config["loggers"][f"mission.serve.{name}"] = {"handlers": ["timers"],
                                                      "level": level.upper(),
                                                      "propagate": False}
    return config


def _listen(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind((host, port))
    except OSError as problem:
        listener.close()
        raise UsageError(f"cannot listen on {host}:{port}: {problem.strerror or problem}"
                         ) from None
    listener.listen(128)
    listener.set_inheritable(True)
    return listener


def _serve(args: argparse.Namespace, location: str, accounts_file: Path,
           catalogue: dict[str, Mission], listener: socket.socket, zone: tzinfo,
           config: Config, link_key: bytes | None) -> int:
    import uvicorn

    from mission.acting import the_clock
    from mission.serve.app import Settings, create_app
    from mission.serve.connections import connection_limit, guarded_protocol

    limit = connection_limit()
    settings = Settings(store=location, accounts=accounts_file,
                        catalogue=catalogue,
                        secure_cookies=not args.insecure_cookies,
                        request_timeout=args.request_timeout, clock=the_clock(), zone=zone,
                        tick=None if args.no_timers else args.tick, config=config,
                        schedules=not args.no_schedules, notify=not args.no_notify,
                        link_key=link_key, accounts_for_delivery=accounts_file)
    server = uvicorn.Config(create_app(settings), log_level=args.log_level,
                            log_config=_log_config(args.log_level), server_header=False,
                            proxy_headers=bool(args.forwarded_allow_ips),
                            forwarded_allow_ips=args.forwarded_allow_ips or None,
                            lifespan="on", backlog=limit,  # what one `accept` burst takes
                            http=guarded_protocol(args.request_timeout, limit))
    uvicorn.Server(server).run(sockets=[listener])
    return EXIT_OK
