"""A schedule's `timezone` is not a time zone this system knows.

## What it does
Reports a schedule whose `timezone` is not an IANA time zone name that
`zoneinfo` finds (`Europe/Paris`, `America/New_York`, `UTC`): a misspelt name,
an abbreviation such as `CET` or `EST` that is not a zone, a fixed offset. The
help names the nearest known zone. (`pip install 'mission[schedules]'` brings
the `tzdata` package for systems without a zone database.)

## Why
A schedule fires on its zone's wall clock, with the zone's daylight-saving
changes: without a zone there is no wall clock to read, and a fixed offset
would fire an hour off for half of the year.

## Example
```toml
[schedules.weekday_planning]
mission = "daily_loop"
cron = "30 8 * * 1-5"
timezone = "Europe/Pariss"
params = { today = "{date}" }
```

Use instead: the zone's IANA name:
```toml
[schedules.weekday_planning]
mission = "daily_loop"
cron = "30 8 * * 1-5"
timezone = "Europe/Paris"
params = { today = "{date}" }
```
"""

from compiler.diagnostics import Severity
from compiler.rules import Rule

RULE = Rule("E073", "unknown-time-zone", Severity.ERROR, __doc__ or "", configuration=True)
