"""Instants and durations as data: the engine computes with recorded times, never reads one.

An instant is ISO 8601 text with an offset. Whoever records one (the CLI, serve, the
timer service) writes it in UTC to the second, `2026-12-01T09:00:00+00:00`
(`format_instant`); the engine accepts any offset and compares instants as points in
time. Durations are whole seconds, exact: a day is 24 hours, a week 7 days.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

# The years a recorded instant may have: any clock's, with room for every deadline after it.
FIRST_YEAR, LAST_YEAR = 1970, 9000
# Singular unit names and their length in seconds, in the order `describe_duration` tries them.
UNITS = (("week", 7 * 86400), ("day", 86400), ("hour", 3600), ("minute", 60))


class InstantError(ValueError):
    """Text that is not an ISO 8601 instant with an offset."""


def parse_instant(text: object) -> datetime:
    """The point in time `text` names; `InstantError` unless it is ISO 8601 with a date, a
    time and an offset (`2026-12-01T09:00:00+00:00`, `...Z`, `...+01:00`)."""
    if not isinstance(text, str) or "T" not in text:
        raise InstantError(f"{text!r} is not an ISO 8601 instant such as "
                           "2026-12-01T09:00:00+00:00")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise InstantError(f"{text!r} is not an ISO 8601 instant such as "
                           "2026-12-01T09:00:00+00:00") from None
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise InstantError(f"{text!r} has no offset: write it in UTC, as "
                           f"{text}+00:00, or with its zone's offset")
    if not FIRST_YEAR <= moment.year <= LAST_YEAR:
        raise InstantError(f"{text!r} is outside the years {FIRST_YEAR} to {LAST_YEAR} a "
                           "recorded time may have")
    return moment


def format_instant(moment: datetime) -> str:
    """`moment` as recorded: UTC, to the second, with the offset written `+00:00`."""
    if moment.tzinfo is None:
        raise InstantError("an instant needs a time zone; give the clock's time in UTC")
    return moment.astimezone(UTC).replace(microsecond=0).isoformat()


def later(instant: str, seconds: int) -> str:
    """The instant `seconds` after `instant`, as recorded (UTC)."""
    return format_instant(parse_instant(instant) + timedelta(seconds=seconds))


def seconds_between(start: str, end: str) -> float:
    """`end - start` in seconds (negative when `end` comes first)."""
    return (parse_instant(end) - parse_instant(start)).total_seconds()


def describe_duration(seconds: float) -> str:
    """`172800` as "2 days", `5400` as "1 h 30 min" style text for people: the largest
    whole unit, then the next when it is not zero (`90 minutes` is "1 hour 30 minutes")."""
    whole = int(abs(seconds))
    if whole < 60:
        return "less than a minute" if whole else "0 minutes"
    parts = []
    for name, size in UNITS:
        count, whole = divmod(whole, size)
        if count:
            parts.append(f"{count} {name}{'s' * (count != 1)}")
        if len(parts) == 2 or (parts and not whole):
            break
        if parts and whole < 60:
            break
    return " ".join(parts)
