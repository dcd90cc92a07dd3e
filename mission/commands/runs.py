"""`mission runs`: the runs in the run store, oldest first.

The first line names the store (the per-user default, or `--store`); each run
shows its id, status, the step it waits for, and what was run. A row that
fails its integrity check is shown as `damaged`, with the reason.
"""

from __future__ import annotations

import argparse
import json

from mission.cli import EXIT_OK
from mission.commands.run import using_store
from mission.stores import STORE_HELP


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--store", metavar="PATH|URL", help=STORE_HELP)
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")


def run(args: argparse.Namespace) -> int:
    with using_store(args) as store:
        listing = store.list()
        where = store.location
    rows = [{"id": item.run_id or None, "mission": item.mission,  # 0: an id that is damaged
             "status": "damaged" if item.problem else item.status,
             "waiting_step": item.waiting_step, "problem": item.problem} for item in listing]
    if args.json:
        print(json.dumps(rows, indent=2, sort_keys=True))
        return EXIT_OK
    if not listing:
        print(f"No runs in {where}.")
        return EXIT_OK
    print(f"Runs in {where}:")
    shown_ids = [str(item.run_id or "?") for item in listing]
    id_width = max(2, *(len(shown) for shown in shown_ids))
    waiting_width = max(7, *(len(item.waiting_step or "-") for item in listing))
    print(f"{'ID':>{id_width}}  {'STATUS':<9}  {'WAITING':<{waiting_width}}  MISSION")
    for item, shown_id in zip(listing, shown_ids, strict=True):
        status = "damaged" if item.problem else item.status
        line = (f"{shown_id:>{id_width}}  {status:<9}  "
                f"{item.waiting_step or '-':<{waiting_width}}  {item.mission}")
        if item.problem:
            line += f"  ({item.problem})"
        print(line)
    return EXIT_OK
