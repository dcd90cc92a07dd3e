"""`mission runs`: the runs in the run store, newest first, a page at a time.

The first line names the store (the per-user default, or `--store`); each run
shows its id, status, the step it waits for and who is asked, when it was
started and by whom, when its deadline is due, and what was run. Filters
narrow the list; `--before ID` shows the page after a run (the cursor the last
line prints). A row that fails its integrity check is shown as `damaged`, with
the reason. `--json` gives the same fields, by the names the API uses.
"""

from __future__ import annotations

import argparse
import json

from mission.cli import EXIT_OK, UsageError
from mission.commands.run import using_store
from mission.stores import STORE_HELP
from mission.when import due_text, shown_time
from runtime.listing import RunListing, RunQuery
from runtime.records import STATUSES


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--store", metavar="PATH|URL", help=STORE_HELP)
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument("--status", choices=STATUSES, help="only runs with this status")
    parser.add_argument("--mission", metavar="NAME",
                        help="only runs of this mission (its own name, whatever file ran it)")
    parser.add_argument("--asked", metavar="GROUP",
                        help="only waiting runs whose step asks this group")
    parser.add_argument("--started-by", metavar="NAME", help="only runs started by NAME")
    parser.add_argument("--since", metavar="DATE|TIME",
                        help="only runs started at or after this date (2026-12-01) or "
                             "instant (ISO 8601 with an offset)")
    parser.add_argument("--until", metavar="DATE|TIME",
                        help="only runs started before this date or instant")
    parser.add_argument("--before", type=int, metavar="ID",
                        help="the page after run ID (newest first: runs with smaller ids)")
    parser.add_argument("--limit", type=int, default=50, metavar="N",
                        help="at most N runs (default 50)")


def run(args: argparse.Namespace) -> int:
    from mission.acting import the_clock

    if args.limit < 1:
        raise UsageError(f"--limit is a positive whole number, not {args.limit}")
    query = RunQuery(status=args.status, name=args.mission, asked=args.asked,
                     started_by=args.started_by, since=instant_bound(args.since, "--since"),
                     until=instant_bound(args.until, "--until"), before=args.before,
                     limit=args.limit + 1)
    with using_store(args) as store:
        listing = store.query(query)
        where = store.location
    more = len(listing) > args.limit
    listing = listing[:args.limit]
    if args.json:
        print(json.dumps([row.to_json() for row in listing], indent=2, sort_keys=True))
        return EXIT_OK
    if not listing:
        print(f"No runs in {where}" + (" match these filters." if _filtered(args) else "."))
        return EXIT_OK
    now = the_clock().now()
    print(f"Runs in {where}, newest first:")
    rows = [_row(item, now) for item in listing]
    headers = ("ID", "STATUS", "WAITING", "ASKED", "DUE", "STARTED", "BY", "MISSION")
    widths = [max(len(header), *(len(row[index]) for row in rows))
              for index, header in enumerate(headers[:-1])]
    print("  ".join(header.ljust(width) if index else header.rjust(width)
                    for index, (header, width) in enumerate(zip(headers[:-1], widths,
                                                               strict=True)))
          + "  " + headers[-1])
    for item, row in zip(listing, rows, strict=True):
        line = "  ".join(cell.ljust(width) if index else cell.rjust(width)
                         for index, (cell, width) in enumerate(zip(row[:-1], widths,
                                                                   strict=True)))
        line += "  " + row[-1]
        if item.problem:
            line += f"  ({item.problem})"
        print(line)
    if more:
        print(f"(more: mission runs --before {listing[-1].run_id or 0})")
    return EXIT_OK


def _row(item: RunListing, now: str) -> tuple[str, ...]:
    status = "damaged" if item.problem else item.status
    return (str(item.run_id or "?"), status, item.waiting_step or "-", item.asked or "-",
            due_text(item.due_at, now) if item.status == "waiting" else "-",
            shown_time(item.created_at), item.created_by or "-",
            item.mission if item.name in (None, item.mission) else
            f"{item.mission} ({item.name})")


def _filtered(args: argparse.Namespace) -> bool:
    return any(value is not None for value in (args.status, args.mission, args.asked,
                                                args.started_by, args.since, args.until,
                                                args.before))


def instant_bound(text: str | None, option: str) -> str | None:
    """A date (midnight UTC) or an instant, as the store compares them."""
    from runtime.orchestration.times import InstantError, format_instant, parse_instant

    if text is None:
        return None
    given = text.strip()
    if len(given) == 10:
        given += "T00:00:00+00:00"
    try:
        return format_instant(parse_instant(given))
    except InstantError:
        raise UsageError(f"{option} takes a date (2026-12-01) or an ISO 8601 instant with an "
                         f"offset (2026-12-01T09:00:00+01:00), not {text!r}") from None
