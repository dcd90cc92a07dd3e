"""`mission tick`: do once what is due now, then exit: fire the deadlines and reminders,
start the runs the schedules call for, deliver the notifications.

For a host where `mission serve` does not do this work (`--no-timers`, `--no-schedules`,
`--no-notify`) or does not run at all: call it from cron or a systemd timer (docs/serve.md
has the unit files). Each thing done is one line on standard output. Safe to run beside
servers on the same store: each deadline fires once, each schedule's fire starts at most
one run, and a message another deliverer holds is left to it.

The schedules and notifications are those of the configuration (`--config`, else the one
found from the current directory); the people notified are those of `mission serve`'s
accounts file (`--accounts`, with the same default as `mission serve`).
"""

from __future__ import annotations

import argparse

from mission.cli import EXIT_OK
from mission.serve.locations import add_location_arguments


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_location_arguments(parser)
    parser.add_argument("--config", metavar="FILE",
                        help="the mission.toml or pyproject.toml whose schedules and "
                             "notifications apply (default: found from the current directory "
                             "upwards)")
    parser.add_argument("--limit", type=int, default=10_000, metavar="N",
                        help="fire at most N timers and send at most N messages (default "
                             "10000); the rest wait for the next tick")


def run(args: argparse.Namespace) -> int:
    from mission.acting import the_clock
    from mission.binding import bind_record
    from mission.commands.run import using_store
    from mission.files import read_config
    from mission.serve.locations import accounts_path, store_location
    from mission.starting import execute
    from mission.timers import tick

    config = read_config(args.config)
    now = the_clock().now()
    lines: list[str] = []
    limit = max(args.limit, 0)
    with using_store(args) as store:
        try:
            lines += [done.line for done in tick(store, now, execute=execute,
                                                 bind=bind_record, limit=limit)]
            if config.schedules:
                from mission.scheduler import run_schedules

                lines += [done.line for done in run_schedules(store, config, now)]
            if config.notify is not None:
                from mission.delivery import Deliverer

                deliverer = Deliverer(config.notify, accounts_path(args, store_location(args)))
                lines += [done.line for done in deliverer.deliver(store, now, limit)]
        finally:
            for line in lines:
                print(line)
    return EXIT_OK
