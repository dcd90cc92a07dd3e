"""`mission notifications`: the outbox's messages, and sending the given-up ones again.

`list` (the default) shows the deliveries, newest first: each message's id, state
(pending, sent or dead), attempts, run and notice, channel and recipient, when it is due
or was sent, and its last error. `--state dead` shows the dead letters: messages given
up after their attempts, or refused by their receiver. `retry ID...` (or `retry --dead`,
every dead one) makes them due again now, their attempts counted from zero: `mission
serve` or the next `mission tick` sends them. `--json` gives the list as data.
"""

from __future__ import annotations

import argparse
import json
import sys

from mission.cli import EXIT_OK, UsageError
from mission.stores import STORE_HELP
from runtime.outbox import DELIVERY_STATES


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("action", nargs="?", choices=("list", "retry"), default="list",
                        help="list the messages (default), or send dead ones again")
    parser.add_argument("ids", nargs="*", type=int, metavar="ID",
                        help="with retry: the messages to send again (as `list` shows them)")
    parser.add_argument("--dead", action="store_true",
                        help="with retry: every dead message")
    parser.add_argument("--state", choices=DELIVERY_STATES, help="only messages in this state")
    parser.add_argument("--before", type=int, metavar="ID",
                        help="the page after message ID (newest first)")
    parser.add_argument("--limit", type=int, default=50, metavar="N",
                        help="at most N messages (default 50)")
    parser.add_argument("--store", metavar="PATH|URL", help=STORE_HELP)
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")


def run(args: argparse.Namespace) -> int:
    from mission.acting import the_clock
    from mission.commands.run import using_store

    if args.action == "list" and (args.ids or args.dead):
        raise UsageError("message ids and --dead go with `retry`: mission notifications "
                         "retry ID... | --dead")
    if args.action == "retry" and bool(args.ids) == args.dead:
        raise UsageError("say which messages to send again: their ids (as `mission "
                         "notifications --state dead` shows them), or --dead for all")
    if args.limit < 1:
        raise UsageError(f"--limit is a positive whole number, not {args.limit}")
    with using_store(args) as store:
        if args.action == "retry":
            count = store.retry_deliveries(None if args.dead else args.ids, the_clock().now())
            print(f"{count} message{'s' * (count != 1)} will be sent again (by `mission "
                  "serve`, or the next `mission tick`)", file=sys.stderr)
            if args.ids and count < len(set(args.ids)):
                print("(only dead messages are sent again: see `mission notifications "
                      "--state dead`)", file=sys.stderr)
            return EXIT_OK
        found = store.deliveries(args.state, args.limit, args.before)
    if args.json:
        print(json.dumps([delivery.to_json() for delivery in found], indent=2,
                         sort_keys=True))
        return EXIT_OK
    if not found:
        print("no messages" + (f" in state {args.state}" if args.state else "")
              + " (the outbox fills when runs wait, remind, escalate or end, and "
                "[tool.mission.notify] is configured)")
        return EXIT_OK
    for delivery in found:
        to = f"{delivery.recipient} <{delivery.address}>" if delivery.address else \
            delivery.recipient
        when = f"sent {delivery.sent_at}" if delivery.state == "sent" else \
            f"due {delivery.next_at}" if delivery.state == "pending" else "given up"
        error = f"  {delivery.last_error}" if delivery.last_error else ""
        print(f"{delivery.delivery_id}\t{delivery.state}\t{delivery.attempts} "
              f"attempt{'s' * (delivery.attempts != 1)}\trun {delivery.run_id}\t"
              f"{delivery.kind}\t{delivery.channel} {to}\t{when}{error}")
    if len(found) == args.limit:
        print(f"(more: --before {found[-1].delivery_id})", file=sys.stderr)
    return EXIT_OK
