"""`mission tick`: fire every deadline and reminder that is due, then exit.

For a host where `mission serve` does not run the timers (`--no-timers`) or
does not run at all: call it from cron or a systemd timer (docs/runtime.md has
a unit file). Each thing fired is one line on standard output. Safe to run
beside servers on the same store: each deadline fires once.
"""

from __future__ import annotations

import argparse

from mission.cli import EXIT_OK
from mission.stores import STORE_HELP


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--store", metavar="PATH|URL", help=STORE_HELP)
    parser.add_argument("--limit", type=int, default=10_000, metavar="N",
                        help="fire at most N timers (default 10000); the rest wait for the "
                             "next tick")


def run(args: argparse.Namespace) -> int:
    from mission.acting import the_clock
    from mission.binding import bind_record
    from mission.commands.run import execute, using_store
    from mission.timers import tick

    now = the_clock().now()
    with using_store(args) as store:
        fired = tick(store, now, execute=execute, bind=bind_record, limit=max(args.limit, 0))
    for done in fired:
        print(done.line)
    return EXIT_OK
