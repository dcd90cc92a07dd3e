"""Durations of a human step's time limits: `2 days`, exact, in seconds.

A day is 24 hours and a week 7 days, every day: there are no business days
(calendars and holidays are not data the engine has) and no months (they
differ in length); see docs/language.md, "Durations".
"""

from __future__ import annotations

from compiler import ast

__all__ = ["PLURALS", "UNITS", "duration_seconds", "duration_text"]

# Each unit in seconds, singular and plural alike (`1 days` means a day too).
UNITS: dict[str, int] = {"minute": 60, "minutes": 60, "hour": 3600, "hours": 3600,
                         "day": 86400, "days": 86400, "week": 604800, "weeks": 604800}
PLURALS = ("minutes", "hours", "days", "weeks")


def duration_seconds(duration: ast.Duration) -> int | None:
    """The duration in seconds; None when its unit is unknown or its amount not whole."""
    per_unit = UNITS.get(duration.unit.text)
    amount = duration.amount.value
    if per_unit is None or not isinstance(amount, int) or isinstance(amount, bool):
        return None
    return amount * per_unit


def duration_text(seconds: int) -> str:
    """`2 days`, `1 hour`, `90 minutes`: the largest unit that divides the duration."""
    for unit in reversed(PLURALS):
        size = UNITS[unit]
        if seconds % size == 0:
            count = seconds // size
            return f"{count} {unit if count != 1 else unit[:-1]}"
    return f"{seconds} seconds"
