"""Where `mission serve` and `mission users` find their files, shared by both commands.

The run store is the CLI's (`mission/stores.py`); the accounts file is
`--accounts`, else `serve.sqlite3` beside a SQLite store, else (a PostgreSQL
store) `serve.sqlite3` in the per-user data directory.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from mission.stores import STORE_HELP

ACCOUNTS_HELP = ("the accounts file (users, groups, tokens, grants; default: serve.sqlite3 "
                 "beside a SQLite run store, else in $XDG_DATA_HOME/mission/)")


def add_location_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--store", metavar="PATH|URL", help=STORE_HELP)
    parser.add_argument("--accounts", metavar="FILE", help=ACCOUNTS_HELP)


def store_location(args: argparse.Namespace) -> str:
    from mission.stores import chosen_location

    return chosen_location(args.store)


def accounts_path(args: argparse.Namespace, location: str) -> Path:
    from mission.cli import UsageError
    from runtime.store_api import StoreError, is_postgres_url, sqlite_path

    if args.accounts:
        return Path(args.accounts)
    if is_postgres_url(location):
        from runtime.store import default_path

        return default_path().with_name("serve.sqlite3")
    try:
        return sqlite_path(location).with_name("serve.sqlite3")
    except StoreError as problem:
        raise UsageError(str(problem)) from None
