"""The configuration's schedules, checked as `mission check` checks a mission (E070-E073).

Each schedule (`compiler.schedule_config`) is checked for what would stop its runs when
its time comes: its `mission` exists and compiles (E070), its `params` fit that mission
with a fire time filled in (E071), its `cron` is an expression that fires (E072), its
`timezone` is a zone this system knows (E073). The diagnostics point into the
configuration file (`compiler.toml_places`). `mission serve` refuses to start with an
error here, so a schedule that cannot start is found before the night it should.

The params are checked with the schedule's first fire after 2026-01-01 filled in: a fixed
instant, so the check reads no clock and gives the same findings every day.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from typing import TYPE_CHECKING

from compiler.ast import Span
from compiler.diagnostics import Diagnostic, Severity
from mission.cli import UsageError
from mission.cron import PLACEHOLDERS, CronError, expression, filled, fires_after, zone_named

if TYPE_CHECKING:
    from compiler.config import Config
    from compiler.schedule_config import ScheduleConfig
    from runtime.orchestration.model import WorkflowDefinition

SAMPLE = datetime(2026, 1, 1, tzinfo=UTC)  # the params are checked for the first fire after
Place = Callable[..., Span]  # the span of a schedule's key (its table's, when it is absent)


def check_configuration(config: Config, text: str, shown: str) -> list[Diagnostic]:
    """The findings about `config`'s schedules, `text` being its file's content, shown as
    `shown` in the findings."""
    from compiler.toml_places import places

    prefix = ("tool", "mission") if Path(config.origin).name == "pyproject.toml" else ()
    values, headers = places(text)
    found: list[Diagnostic] = []
    for schedule in config.schedules:
        base = (*prefix, "schedules", schedule.name)
        whole = headers.get(base) or values.get(base) or Span(0, 0)

        def at(*keys: str, base: tuple[str, ...] = base, whole: Span = whole) -> Span:
            return values.get((*base, *keys)) or whole

        found += _check(config, schedule, at, shown)
    return found


def _check(config: Config, schedule: ScheduleConfig, at: Place,
           shown: str) -> list[Diagnostic]:
    name = schedule.name
    found = []
    zone: tzinfo | None = None
    try:
        zone = zone_named(schedule.timezone)
    except CronError as problem:
        found.append(_finding("E073", f"schedule `{name}`: unknown time zone "
                                      f"`{schedule.timezone}`", at("timezone"),
                              "not an IANA time zone", (str(problem),), shown))
    first = SAMPLE
    try:
        expression(schedule.cron)
        if zone is not None:
            first = next(fires_after(schedule.cron, zone, SAMPLE), SAMPLE)
    except CronError as problem:
        found.append(_finding("E072", f"schedule `{name}`: `{schedule.cron}` is not a cron "
                                      "expression that fires", at("cron"),
                              "not five cron fields that fire", (str(problem),), shown))
    from mission.scheduler import load_scheduled

    try:
        workflow = load_scheduled(config, schedule.mission).workflow
    except UsageError as problem:
        found.append(_finding("E070", f"schedule `{name}`: unknown mission "
                                      f"`{schedule.mission}`", at("mission"),
                              _unloadable(problem), _mission_help(problem, config, schedule),
                              shown))
        return found
    found += _params(schedule, workflow, first, zone or UTC, at, shown)
    return found



def _params(schedule: ScheduleConfig, workflow: WorkflowDefinition, fire: datetime,
            zone: tzinfo, at: Place, shown: str) -> list[Diagnostic]:
    from runtime.orchestration.binding import check_params
    from runtime.orchestration.model import ParameterError

    declared = workflow.metadata.get("declarations", {}).get("params", {})
    names = ", ".join(f"`{param}`" for param in sorted(declared)) or "none"
    given = schedule.params
    params = {}
    for param, value in given.items():
        try:
            params[param] = filled(value, fire, zone, schedule.name)
        except CronError as problem:
            return [_finding("E071", f"schedule `{schedule.name}`: param `{param}` has an "
                                     "unknown placeholder", at("params", param),
                             "not a placeholder",
                             (str(problem),), shown)]
    try:
        check_params(workflow, params)
    except ParameterError as problem:
        named = re.search(r"`([^`]+)`", str(problem))
        param = named.group(1) if named else ""
        place = at("params", param) if param in given else at("params")
        return [_finding("E071", f"schedule `{schedule.name}`: {problem}", place,
                         "refused by the mission", (
                             f"{schedule.mission} declares the params {names}",
                             "the fire time fills in " + ", ".join(
                                 f"{{{key}}}" for key in PLACEHOLDERS)), shown)]
    return []


def _unloadable(problem: UsageError) -> str:
    from mission.targets import DoesNotCompile

    if isinstance(problem, DoesNotCompile):
        return "this mission file does not compile"
    return "not a registered mission or a mission file"


def _mission_help(problem: UsageError, config: Config,
                  schedule: ScheduleConfig) -> tuple[str, ...]:
    """The problem's own words, its file named as the schedule names it (relative to the
    configuration), and where a schedule's missions come from."""
    from mission.scheduler import mission_path
    from mission.targets import DoesNotCompile

    def written(text: str) -> str:
        return text.replace(mission_path(config, schedule.mission), schedule.mission)

    if isinstance(problem, DoesNotCompile):
        return (written(problem.first()),
                f"run `mission check {written(problem.path)}` for its errors")
    return (written(str(problem)), "a schedule's mission is a registered name (`mission list`), or "
                          "a .mission or compiled .json file relative to this configuration")


def _finding(code: str, message: str, span: Span, label: str, help_lines: tuple[str, ...],
             shown: str) -> Diagnostic:
    return Diagnostic(code, Severity.ERROR, message, span, label, help=help_lines, path=shown)


def check_text(text: str, root: str, shown: str = "mission.toml") -> list[Diagnostic]:
    """The findings about the schedules of a `mission.toml` whose content is `text`, in the
    directory `root` (its tests, its examples and the fuzzer); a table that is not valid
    raises `compiler.config.ConfigError`, as loading the file does."""
    import tomllib

    from compiler.config import ConfigError, parse_config

    try:
        table = tomllib.loads(text)
    except tomllib.TOMLDecodeError as problem:
        raise ConfigError(f"{shown}: not valid TOML: {problem}") from None
    config = parse_config(table, shown, root, str(Path(root) / shown))
    return sorted(check_configuration(config, text, shown), key=lambda d: d.sort_key)
