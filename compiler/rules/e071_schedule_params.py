"""A schedule's params do not fit its mission.

## What it does
Reports a schedule whose `params` would be refused when its run starts: a
param the mission does not declare, a required one that is missing, a value
of the wrong type or out of its range, or a placeholder that does not exist
(`{date}`, `{time}`, `{datetime}`, `{instant}`, `{weekday}` and `{schedule}`
are filled in from the fire time, in the schedule's time zone; `{{` and `}}`
are literal braces). The params are checked with a fire time filled in, by the
same checks a run's params get.

## Why
A scheduled run is started by nobody: params it refuses fail every fire, in
the night, with no one to give others. Checking them with the configuration
finds the mistake while it is made.

## Example
```toml
[schedules.weekday_planning]
mission = "daily_loop"
cron = "30 8 * * 1-5"
timezone = "Europe/Paris"
params = { today = "{day}", top_n = "3" }
```

Use instead: the fire time's date, and a whole number for `top_n`:
```toml
[schedules.weekday_planning]
mission = "daily_loop"
cron = "30 8 * * 1-5"
timezone = "Europe/Paris"
params = { today = "{date}", top_n = 3 }
```
"""

from compiler.diagnostics import Severity
from compiler.rules import Rule

RULE = Rule("E071", "schedule-params", Severity.ERROR, __doc__ or "", configuration=True)
