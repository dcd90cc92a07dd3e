"""`mission cancel RUN_ID --reason TEXT`: withdraw a waiting run.

The cancellation is recorded like an answer: who (the operating-system user),
when, and why, covered by the receipt. A cancelled run leaves every inbox,
cannot be answered or resumed, and stays readable and verifiable. Only a
waiting run can be cancelled; on the command line, whoever may write the run
store may cancel (in `mission serve`: admins and whoever started the run).
"""

from __future__ import annotations

import argparse

from mission.cli import EXIT_OK, UsageError
from mission.stores import STORE_HELP


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("run_id", metavar="RUN_ID", help="the run's id, as `mission runs` lists")
    parser.add_argument("--reason", required=True, metavar="TEXT",
                        help="why the run is cancelled (kept in its record)")
    parser.add_argument("--store", metavar="PATH|URL", help=STORE_HELP)


def run(args: argparse.Namespace) -> int:
    from mission.acting import operating_system_user, the_clock
    from mission.advance import Refusal, move
    from mission.binding import bind_record
    from mission.commands.resume import parse_run_id
    from mission.commands.run import using_store
    from mission.starting import execute

    run_id = parse_run_id(args.run_id)
    reason = args.reason.strip()
    if not reason:
        raise UsageError("--reason says why the run is cancelled; it cannot be empty")
    now, user = the_clock().now(), operating_system_user()
    event = {"kind": "cancel", "reason": reason, "by": user, "at": now}
    with using_store(args) as store:
        try:
            moved = move(store, run_id, [event], now, execute=execute, bind=bind_record)
        except Refusal as problem:
            raise UsageError(problem.message) from None
    print(f"run {run_id} cancelled by {user} at {now}: {reason} (it waited on step "
          f"`{moved.before.waiting_step_id}`)")
    return EXIT_OK
