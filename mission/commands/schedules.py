"""`mission schedules`: the configuration's schedules, their next fire times and last fire.

Each schedule shows its mission, cron expression and zone, its catch-up and overlap
policies, its next fire times (in its zone), and, from the run store, the latest fire
handled: the run it started (and how long after its time), or why none started. A
schedule that cannot fire (`mission check` reports it: E070-E073) says why. `--json`
gives the same as data, its times as ISO 8601 instants.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from mission.cli import EXIT_OK, UsageError
from mission.stores import STORE_HELP


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", metavar="FILE",
                        help="the mission.toml or pyproject.toml whose schedules to list "
                             "(default: found from the current directory upwards)")
    parser.add_argument("--store", metavar="PATH|URL", help=STORE_HELP)
    parser.add_argument("--next", type=int, default=3, metavar="N",
                        help="how many next fire times to show (default 3)")
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")


def run(args: argparse.Namespace) -> int:
    from mission.acting import the_clock
    from mission.files import read_config

    if not 1 <= args.next <= 100:
        raise UsageError(f"--next is a whole number from 1 to 100, not {args.next}")
    config = read_config(args.config)
    now = the_clock().now()
    last = _last_fires(args) if config.schedules else {}
    rows = [_row(schedule, now, args.next, last.get(schedule.name))
            for schedule in config.schedules]
    if args.json:
        print(json.dumps({"configuration": config.origin or None, "now": now,
                          "schedules": rows}, indent=2, sort_keys=True))
        return EXIT_OK
    if not rows:
        where = config.origin or "no configuration file was found here"
        print(f"no schedules in {where} (declare them in [tool.mission.schedules.NAME], "
              "see docs/serve.md)")
        return EXIT_OK
    for row in rows:
        print("\n".join(_text(row)))
    return EXIT_OK


def _last_fires(args: argparse.Namespace) -> dict[str, Any]:
    """The latest fire of each schedule, from the run store (none if it cannot be read:
    the schedules are still listed)."""
    import sys

    from mission.commands.run import using_store

    try:
        with using_store(args) as store:
            return dict(store.last_fires())
    except UsageError as problem:
        print(f"mission schedules: the last fires are not shown: {problem}", file=sys.stderr)
        return {}


def _row(schedule: Any, now: str, count: int, last: Any) -> dict[str, Any]:
    from mission.cron import CronError
    from mission.scheduler import next_fires
    from runtime.orchestration.times import format_instant, seconds_between

    row: dict[str, Any] = {
        "name": schedule.name, "mission": schedule.mission, "cron": schedule.cron,
        "timezone": schedule.timezone, "params": schedule.params,
        "catch_up": schedule.catch_up, "catch_up_limit": schedule.catch_up_limit,
        "overlap": schedule.overlap, "next": [], "last": None, "problem": None}
    try:
        row["next"] = [format_instant(fire) for fire in next_fires(schedule, now, count)]
    except CronError as problem:
        row["problem"] = str(problem)
    if last is not None:
        row["last"] = {"fire_at": last.fire_at, "outcome": last.outcome,
                       "run_id": last.run_id, "at": last.at,
                       "lag_seconds": seconds_between(last.fire_at, last.at)
                       if last.at and last.run_id is not None else None}
    return row


def _text(row: dict[str, Any]) -> list[str]:
    from mission.cron import CronError, zone_named
    from mission.when import shown_time

    try:
        zone = zone_named(row["timezone"])
    except CronError:
        zone = None
    policy = f"catch-up {row['catch_up']}" + (
        f" (at most {row['catch_up_limit']})" if row["catch_up"] == "each" else "") + \
        f", overlap {row['overlap']}"
    lines = [f"{row['name']}: {row['mission']} at `{row['cron']}` ({row['timezone']}); "
             f"{policy}"]
    if row["problem"]:
        lines.append(f"  cannot fire: {row['problem']} (see `mission check`)")
    elif zone is not None:
        lines.append("  next: " + ", ".join(shown_time(fire, zone) for fire in row["next"]))
    last = row["last"]
    if last is not None:
        when = shown_time(last["fire_at"], zone) if zone is not None else last["fire_at"]
        if last["run_id"] is not None:
            lines.append(f"  last: {when}: started run {last['run_id']} "
                         f"({_lag(last['lag_seconds'])} after its time)")
        else:
            lines.append(f"  last: {when}: {last['outcome']}")
    return lines


def _lag(seconds: float | None) -> str:
    from runtime.orchestration.times import describe_duration

    return "?" if seconds is None else describe_duration(seconds) if seconds >= 60 else \
        f"{seconds:.0f} s"
