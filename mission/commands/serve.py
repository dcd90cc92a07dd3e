"""`mission serve`: the web inbox and HTTP API over the run store (docs/serve.md).

It listens on 127.0.0.1 by default (put a TLS reverse proxy in front to reach
it from elsewhere). With no accounts yet, it makes a user `admin` and prints
that user's API token once, on standard output; only the token's hash is
kept, and nothing logs it again. Starlette, uvicorn and Jinja2 are imported
only here, when the server starts (`pip install 'mission[serve]'`).
"""

from __future__ import annotations

import argparse
import socket
from pathlib import Path
from typing import Any

from mission.cli import EXIT_OK, UsageError
from mission.serve.accounts import ADMIN_GROUP, AccountError, Accounts
from mission.serve.catalogue import Mission, load_catalogue
from mission.serve.locations import accounts_path, add_location_arguments, store_location

_NEEDS = ("starlette", "uvicorn", "jinja2")


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
    return _serve(args, location, accounts_file, catalogue, listener)


def _first_admin(accounts: Accounts) -> str | None:
    """With no users at all: a user `admin` (no password) and its first token."""
    if accounts.users():
        return None
    accounts.add_user("admin", None, [ADMIN_GROUP])
    return accounts.new_token("admin")


def _log_config() -> dict[str, object]:
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
           catalogue: dict[str, Mission], listener: socket.socket) -> int:
    import uvicorn

    from mission.serve.app import Settings, create_app
    from mission.serve.connections import connection_limit, guarded_protocol

    limit = connection_limit()
    settings = Settings(store=location, accounts=accounts_file,
                        catalogue=catalogue,
                        secure_cookies=not args.insecure_cookies,
                        request_timeout=args.request_timeout)
    config = uvicorn.Config(create_app(settings), log_level=args.log_level,
                            log_config=_log_config(), server_header=False,
                            proxy_headers=bool(args.forwarded_allow_ips),
                            forwarded_allow_ips=args.forwarded_allow_ips or None,
                            lifespan="off", backlog=limit,  # what one `accept` burst takes
                            http=guarded_protocol(args.request_timeout, limit))
    uvicorn.Server(config).run(sockets=[listener])
    return EXIT_OK
