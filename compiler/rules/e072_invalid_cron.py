"""A schedule's `cron` is not a cron expression, or never fires.

## What it does
Reports a schedule whose `cron` is not five cron fields (minute, hour, day of
month, month, day of week, read as Debian's cron reads them: lists `1,15`,
ranges `1-5`, steps `*/15`, names `MON-FRI`, `JAN`) or one of `@hourly`,
`@daily`, `@weekly`, `@monthly`, `@yearly`: a field out of its range, six
fields (seconds are not scheduled), a day that no month has (`0 0 31 2 *`).

## Why
A schedule that cannot be read never fires; one that fires at a time nobody
meant fires at the wrong time. Both are found here rather than on the day the
run was expected.

## Example
```toml
[schedules.weekday_planning]
mission = "daily_loop"
cron = "30 8 * * 1-7 *"
timezone = "Europe/Paris"
params = { today = "{date}" }
```

Use instead: five fields, Monday (1) to Friday (5):
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

RULE = Rule("E072", "invalid-cron", Severity.ERROR, __doc__ or "", configuration=True)
