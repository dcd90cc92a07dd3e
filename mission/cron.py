"""When a schedule fires: cron expressions on a time zone's wall clock, and what a fire
fills into the params.

Expressions have the five fields of cron (minute, hour, day of month, month, day of week,
as Debian's cron reads them: `cronsim` parses them, its extra seconds field is refused)
or one of `@hourly`, `@daily`, `@weekly`, `@monthly`, `@yearly`. They are read on the
wall clock of the schedule's IANA zone (`zoneinfo`), and each fire is then an instant
(in UTC, as every recorded time is):

- a wall-clock time that occurs twice (the night the clocks go back) fires once, at its
  first occurrence (`30 2 * * *` in Europe/Paris on 25 October 2026: at 02:30 CEST, not
  again at 02:30 CET);
- a wall-clock time that does not exist (the night they go forward) fires once, at the
  first moment after the gap (`30 2 * * *` on 29 March 2026: at 03:00 CEST);
- fires that fall on the same instant that way are one fire (`*/15 * * * *` across the
  gap: 01:45 CET, then 03:00 CEST once, then 03:15 ...).

So a schedule never fires twice for one wall-clock time and never skips a day.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

from runtime.orchestration.times import format_instant

ALIASES = {"@hourly": "0 * * * *", "@daily": "0 0 * * *", "@midnight": "0 0 * * *",
           "@weekly": "0 0 * * 0", "@monthly": "0 0 1 * *", "@yearly": "0 0 1 1 *",
           "@annually": "0 0 1 1 *"}
PLACEHOLDERS = ("date", "time", "datetime", "instant", "weekday", "schedule")
_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")


class CronError(Exception):
    """A cron expression or a time zone that cannot be used; the message says why."""


def expression(cron: str) -> str:
    """The five-field expression `cron` means (an alias expanded), or `CronError`."""
    try:
        from cronsim import CronSim, CronSimError
    except ImportError:
        raise CronError("schedules need the `cronsim` package, which is not installed: "
                        "pip install 'mission[schedules]'") from None

    text = ALIASES.get(cron.strip().lower(), cron.strip())
    fields = text.split()
    if len(fields) != 5:
        raise CronError(f"`{cron}` has {len(fields)} field{'s' * (len(fields) != 1)}; a "
                        "schedule has five: minute hour day-of-month month day-of-week "
                        "(\"30 8 * * 1-5\"), or @hourly, @daily, @weekly, @monthly, @yearly")
    try:
        CronSim(text, datetime(2000, 1, 1))
    except CronSimError as problem:
        raise CronError(f"`{cron}` is not a cron expression: {str(problem).lower()}") from None
    return text


def zone_named(name: str) -> tzinfo:
    """The IANA zone `name` (UTC too), or `CronError` with the nearest known names."""
    import zoneinfo

    if name.upper() == "UTC":
        return UTC
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        pass
    import difflib

    near = difflib.get_close_matches(name, sorted(zoneinfo.available_timezones()), n=1)
    hint = f"; did you mean {near[0]}?" if near else \
        " (such as Europe/Paris, America/New_York or UTC)"
    raise CronError(f"`{name}` is not a time zone this system knows: give an IANA name{hint}")


def instant_of(wall: datetime, zone: tzinfo) -> datetime:
    """The instant (UTC) a schedule fires for the naive wall-clock time `wall` in `zone`:
    its first occurrence, or the first moment after the gap it falls in."""
    found = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
    if found.astimezone(zone).replace(tzinfo=None) == wall:
        return found
    probe = wall.replace(second=0)
    while True:  # in a gap: the first minute that exists after it
        probe += timedelta(minutes=1)
        found = probe.replace(tzinfo=zone, fold=0).astimezone(UTC)
        if found.astimezone(zone).replace(tzinfo=None) == probe:
            return found


def fires_after(cron: str, zone: tzinfo, after: datetime) -> Iterator[datetime]:
    """The fire instants after `after` (aware), in order, each once. (`instant_of` never
    maps a later wall-clock time to an earlier instant, so the wall clock is read from
    `after`'s own wall-clock time on.)"""
    from cronsim import CronSim

    start = after.astimezone(zone).replace(tzinfo=None)
    last = after
    for wall in CronSim(expression(cron), start):
        found = instant_of(wall, zone)
        if found > last:
            last = found
            yield found


def fires_between(cron: str, zone: tzinfo, after: datetime, until: datetime,
                  most: int) -> tuple[list[datetime], bool]:
    """The fire instants in (`after`, `until`], oldest first: the latest `most` of them,
    and whether there were more (older ones, left out)."""
    from cronsim import CronSim

    local = until.astimezone(zone)
    start = local.replace(tzinfo=None) + timedelta(minutes=1)
    if local.fold:  # in the second pass of an hour that repeats: its first pass came before
        start += _offset_change(local)
    found: list[datetime] = []
    for wall in CronSim(expression(cron), start, reverse=True):
        instant = instant_of(wall, zone)
        if instant > until or (found and instant >= found[-1]):
            continue
        if instant <= after:
            return found[::-1], False
        if len(found) == most:
            return found[::-1], True
        found.append(instant)
    return found[::-1], False


def _offset_change(local: datetime) -> timedelta:
    """How far the clocks went back at the repeated wall-clock time `local` (fold 1)."""
    first, second = local.replace(fold=0).utcoffset(), local.utcoffset()
    return (first - second) if first is not None and second is not None else timedelta(0)


def filled(value: Any, fire: datetime, zone: tzinfo, schedule: str) -> Any:
    """`value` with the fire's placeholders filled into its strings (`{date}` ...), in
    lists and maps too; `{{` and `}}` are literal braces. An unknown placeholder raises
    `CronError` naming it."""
    if isinstance(value, str):
        local = fire.astimezone(zone)
        known = {"date": local.date().isoformat(), "time": local.strftime("%H:%M"),
                 "datetime": local.isoformat(), "instant": format_instant(fire),
                 "weekday": local.strftime("%A"), "schedule": schedule}

        def one(match: re.Match[str]) -> str:
            text = match.group(0)
            if text in ("{{", "}}"):
                return text[0]
            name = match.group(1)
            if name is None or name not in known:
                raise CronError(f"`{text}` is not a placeholder: write {{{{ and }}}} for a "
                                "brace; the placeholders are "
                                + ", ".join(f"{{{key}}}" for key in PLACEHOLDERS))
            return known[name]

        return _PLACEHOLDER.sub(one, value)
    if isinstance(value, list):
        return [filled(item, fire, zone, schedule) for item in value]
    if isinstance(value, dict):
        return {key: filled(item, fire, zone, schedule) for key, item in value.items()}
    return value
