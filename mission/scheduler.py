"""The scheduler: start the runs a project's schedules call for (`[tool.mission.schedules]`).

`mission tick` runs it once; `mission serve` every few seconds. For each schedule it
reads, in the run store, the latest fire handled (`schedule_fires`, `runtime.outbox`),
lists the fire times since then up to now (`mission.cron`) and handles each:

- **on time or missed.** A fire found within `GRACE` of its time is on time; older ones
  were missed (nothing ran then). `catch-up` says what becomes of missed fires: "skip"
  (none starts), "once" (the latest starts, for them all) or "each" (each starts, the
  latest `catch-up-limit` of them). An on-time fire always starts.
- **overlap.** With `overlap = "skip"`, a fire while an earlier run of the schedule still
  waits starts nothing.
- **once across servers.** A run is stored with its schedule and fire time
  (`RunRecord.schedule`), and the store writes the fire with it in one transaction under
  a unique key (schedule, fire time): a second server's run for the same fire is refused
  (`AlreadyFired`) and stored nowhere, so each fire starts at most one run. A fire that
  starts nothing is recorded too (`skip_fire`), with why.
- **a new schedule** starts with its next fire: the first time the scheduler sees it, it
  records the time as handled, so a schedule added today does not catch up on last year.

A run started by a schedule is started by `schedule:NAME` at the time it starts, for its
fire time; its params may use the fire time (`{date}` ...: `mission.cron.filled`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from mission.cli import UsageError
from mission.cron import CronError, filled, fires_between, zone_named
from runtime.orchestration.times import format_instant, parse_instant
from runtime.store_api import AlreadyFired, RunQuery, RunStoreAPI

if TYPE_CHECKING:
    from compiler.config import Config
    from compiler.schedule_config import ScheduleConfig
    from mission.targets import Target
    from runtime.outbox import Fire

GRACE = timedelta(minutes=5)  # a fire found this long after its time is still on time
SCAN = 1000  # fire times looked at per schedule and tick (the latest ones)
STARTER = "schedule:"  # who a scheduled run is started by: `schedule:NAME`


@dataclass(frozen=True, slots=True)
class Handled:
    """One fire handled: the run it started (None: none), and a line for people."""

    schedule: str
    fire_at: str
    run_id: int | None
    line: str


def started_by(name: str) -> str:
    return f"{STARTER}{name}"


def run_schedules(store: RunStoreAPI, config: Config, now: str,
                  rotate: bool = True) -> list[Handled]:
    """Handle every fire due by `now` of the configuration's schedules; a schedule whose
    mission cannot be started now is reported (a line) and its fire recorded as failed.
    With `rotate`, begin at a random schedule: servers sharing a store then share the
    work of many schedules instead of racing for the same fires in the same order."""
    done: list[Handled] = []
    targets: dict[str, Target | str] = {}  # loaded once per tick, or why not
    schedules = list(config.schedules)
    if rotate and schedules:
        import random

        first = random.randrange(len(schedules))
        schedules = schedules[first:] + schedules[:first]
    last = store.last_fires() if schedules else {}  # one query: another server's newer
    for schedule in schedules:                       # fires are refused by their key
        try:
            done += _handle(store, config, schedule, now, targets, last.get(schedule.name))
        except CronError as problem:
            done.append(Handled(schedule.name, now, None,
                                f"schedule {schedule.name}: not run: {problem}"))
    return done


def _handle(store: RunStoreAPI, config: Config, schedule: ScheduleConfig, now: str,
            targets: dict[str, Target | str], last: Fire | None) -> list[Handled]:
    if last is None:
        store.skip_fire(schedule.name, now, "skipped: the schedule was first seen; it starts "
                                            "runs from its next fire", now)
        return []
    zone = zone_named(schedule.timezone)
    instant = parse_instant(now)
    fires, older = fires_between(schedule.cron, zone, parse_instant(last.fire_at), instant,
                                 SCAN)
    if not fires:
        return []
    missed = [fire for fire in fires if instant - fire > GRACE]
    on_time = fires[len(missed):]
    if schedule.catch_up == "skip" or not missed:
        starting, skipped = on_time, missed
        why = "skipped: missed (catch-up = \"skip\")"
    elif schedule.catch_up == "once":
        starting = on_time or missed[-1:]
        skipped = missed if on_time else missed[:-1]
        why = "skipped: missed, caught up by one later run (catch-up = \"once\")"
    else:
        starting = [*missed[-schedule.catch_up_limit:], *on_time]
        skipped = missed[:-schedule.catch_up_limit]
        why = f"skipped: missed, beyond catch-up-limit = {schedule.catch_up_limit}"
    done: list[Handled] = []
    if skipped:  # the latest of them stands for all: the schedule resumes after it
        fire_at = format_instant(skipped[-1])
        store.skip_fire(schedule.name, fire_at, why, now)
        count = f"{'more than ' * older}{len(skipped)} fire{'s' * (len(skipped) != 1)}"
        done.append(Handled(schedule.name, fire_at, None,
                            f"schedule {schedule.name}: {count} up to {fire_at} {why}"))
    for fire in starting:
        handled = _start(store, config, schedule, format_instant(fire), now, targets)
        if handled is not None:
            done.append(handled)
    return done


def _start(store: RunStoreAPI, config: Config, schedule: ScheduleConfig, fire_at: str,
           now: str, targets: dict[str, Target | str]) -> Handled | None:
    """Start the run of one fire, unless the previous run waits (`overlap = "skip"`);
    None when another process handled the fire first."""
    name = schedule.name
    if schedule.overlap == "skip":
        waiting = store.query(RunQuery(status="waiting", started_by=started_by(name),
                                       limit=1))
        if waiting:
            why = f"skipped: run {waiting[0].run_id} of this schedule still waits"
            if not store.skip_fire(name, fire_at, why, now):
                return None
            return Handled(name, fire_at, None, f"schedule {name}: fire {fire_at} {why}")
    try:
        run_id, line = start_run(store, config, schedule, fire_at, now, targets)
    except AlreadyFired:
        return None
    except (UsageError, CronError) as problem:
        why = f"failed: {problem}"
        if not store.skip_fire(name, fire_at, why, now):
            return None
        return Handled(name, fire_at, None, f"schedule {name}: fire {fire_at} {why}")
    return Handled(name, fire_at, run_id, f"schedule {name}: fire {fire_at}: {line}")


def start_run(store: RunStoreAPI, config: Config, schedule: ScheduleConfig, fire_at: str,
              now: str, targets: dict[str, Target | str]) -> tuple[int, str]:
    """Start `schedule`'s run for `fire_at`, now: its id and what became of it. Raises
    `AlreadyFired` (another process started it), `UsageError` (it cannot start: the
    mission, its params, its state), `StoreError` (the store: try again later)."""
    from mission.binding import bind, recorded_configuration
    from mission.keeping import RunKeeper, record_starts
    from mission.starting import execute
    from runtime.orchestration.model import ExecutionContext
    from runtime.records import RunRecord

    target = _target(config, schedule, targets)
    workflow = target.workflow
    zone = zone_named(schedule.timezone)
    params = filled(schedule.params, parse_instant(fire_at), zone, schedule.name)
    state = _state(schedule)
    project = target.config or config
    binding = bind(workflow, project)
    context = ExecutionContext(
        initial_state=state, params=params, effects=binding.effects,
        implementations=binding.implementations,
        started={"at": now, "by": started_by(schedule.name),
                 "schedule": {"name": schedule.name, "fire_at": fire_at}})
    configuration = recorded_configuration(workflow, project)
    keeper = RunKeeper(store)  # stored before an effect starts (`mission.keeping`)
    record_starts(context, keeper, schedule.mission, workflow, configuration)
    result = execute(workflow, context)
    record = RunRecord.of(schedule.mission, workflow, context, result, keep_workflow=True,
                          configuration=configuration)
    stored = keeper.save(record)
    what = f"waits on `{result.waiting_step_id}`" if result.status == "waiting" else \
        result.status
    return stored.run_id, f"started run {stored.run_id} ({schedule.mission}), which {what}"


def _target(config: Config, schedule: ScheduleConfig,
            targets: dict[str, Target | str]) -> Target:
    """The schedule's mission, loaded once per tick (or why it cannot be)."""
    if schedule.mission not in targets:
        try:
            targets[schedule.mission] = load_scheduled(config, schedule.mission)
        except UsageError as problem:
            targets[schedule.mission] = str(problem)
    found = targets[schedule.mission]
    if isinstance(found, str):
        raise UsageError(found)
    return found


def load_scheduled(config: Config, mission: str) -> Target:
    """A schedule's mission: a registered name, or a `.mission` or compiled `.json` file
    relative to the configuration's directory."""
    from mission.targets import load_target

    return load_target(mission_path(config, mission), show_diagnostics=False)


def mission_path(config: Config, mission: str) -> str:
    """What `load_target` is given for a schedule's `mission`."""
    if mission.endswith((".mission", ".json")) and config.root:
        return os.path.join(config.root, mission)
    return mission


def _state(schedule: ScheduleConfig) -> dict[str, Any]:
    if schedule.state_file is None:
        return {}
    from mission.files import read_json

    state = read_json(schedule.state_file)
    if not isinstance(state, dict):
        raise UsageError(f"{schedule.state_file}: the state must be a JSON object")
    return state


def next_fires(schedule: ScheduleConfig, after: str, count: int) -> list[datetime]:
    """The next `count` fire instants after `after` (`mission schedules`)."""
    from mission.cron import fires_after

    found = []
    for fire in fires_after(schedule.cron, zone_named(schedule.timezone),
                            parse_instant(after)):
        found.append(fire)
        if len(found) == count:
            break
    return found
