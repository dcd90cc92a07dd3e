"""Recorded instants as people read them: in a time zone, and how long ago or until.

A run records its times in UTC (`runtime.orchestration.times`); what people see is
written here, so `mission runs` and `mission serve` say it the same way:
"2026-12-01 10:00 CET" (to the minute, the zone named), "waiting 3 hours",
"due in 2 hours", "overdue 1 hour". Data (`--json`, the API) keeps the recorded
ISO 8601 text.
"""

from __future__ import annotations

from datetime import datetime, tzinfo

from runtime.orchestration.times import describe_duration, parse_instant, seconds_between


def shown_time(instant: str | None, zone: tzinfo | None = None) -> str:
    """`instant` in `zone` (None: this machine's zone), to the minute, the zone named;
    "-" when it is not recorded."""
    if instant is None:
        return "-"
    moment = datetime.fromisoformat(instant).astimezone(zone)
    return moment.strftime("%Y-%m-%d %H:%M ") + (moment.tzname() or "")


def due_text(due: str | None, now: str) -> str:
    """"in 2 hours" or "overdue 1 hour" (a deadline not fired yet), or "-"."""
    if due is None:
        return "-"
    left = seconds_between(now, due)
    return f"in {describe_duration(left)}" if left > 0 else \
        f"overdue {describe_duration(-left)}"


def is_overdue(due: str | None, now: str) -> bool:
    return due is not None and parse_instant(due) <= parse_instant(now)


def waited_text(since: str | None, now: str) -> str:
    """How long something has waited ("waiting 3 hours"); "waiting" when its start is not
    recorded."""
    if since is None:
        return "waiting"
    return f"waiting {describe_duration(seconds_between(since, now))}"

