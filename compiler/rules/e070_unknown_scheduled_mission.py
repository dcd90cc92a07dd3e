"""A schedule names a mission that does not exist or does not compile.

## What it does
Reports a schedule (`[tool.mission.schedules.NAME]` in `pyproject.toml`, or
`[schedules.NAME]` in `mission.toml`) whose `mission` is neither a registered
mission (`mission list`) nor a `.mission` or compiled `.json` file (relative to
the configuration's directory) that can be loaded: a misspelt name, a file that
is not there, a mission file with errors. The help names the nearest
registered mission, or the command that shows the file's own errors.

## Why
A schedule is read by `mission serve` and `mission tick` when its fire time
comes, often at night; a mission that cannot start then starts nothing, and
nobody is there to see why. `mission check` says so while the configuration is
written, and `mission serve` refuses to start with it.

## Example
```toml
[schedules.weekday_planning]
mission = "daily_lop"
cron = "30 8 * * 1-5"
timezone = "Europe/Paris"
params = { today = "{date}" }
```

Use instead: the registered mission's name (or the path of a mission file):
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

RULE = Rule("E070", "unknown-scheduled-mission", Severity.ERROR, __doc__ or "",
            configuration=True)
