"""`[tool.mission.schedules.NAME]`: a mission started on a cron schedule (docs/serve.md).

    [tool.mission.schedules.weekday_planning]
    mission = "daily_loop"              # a registered name, or a .mission / .json file
    cron = "30 8 * * 1-5"               # minute hour day-of-month month day-of-week
    timezone = "Europe/Paris"           # an IANA zone (default UTC)
    params = { today = "{date}" }       # `{date}`: the fire time's date in that zone
    state-file = "tasks.json"           # the initial state, read at each fire (optional)
    catch-up = "once"                   # after downtime: "skip", "once" or "each"
    catch-up-limit = 10                 # with "each": at most this many missed fires
    overlap = "skip"                    # while the previous run waits: "skip" or "start"

This module reads the table's shape (a key that does not exist, a value of the wrong
kind: a configuration error, exit 2). Whether the mission exists, the cron expression
and the zone are valid and the params fit the mission is `mission check`'s work
(`mission.schedule_check`, codes E070-E073), with a place in the file for each.
"""

from __future__ import annotations

import datetime
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

CATCH_UP = ("skip", "once", "each")
OVERLAP = ("skip", "start")
DEFAULT_CATCH_UP_LIMIT = 10
MAX_CATCH_UP_LIMIT = 100
MAX_SCHEDULES = 10_000
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]{0,63}")
_KEYS = ("mission", "cron", "timezone", "params", "state-file", "catch-up", "catch-up-limit",
         "overlap")


class ScheduleConfigError(Exception):
    """The table is not valid; the message names the key (`compiler.config` adds the file)."""


@dataclass(frozen=True, slots=True)
class ScheduleConfig:
    name: str
    mission: str  # as written: a registered name, or a file relative to `root`
    cron: str
    timezone: str
    params_json: str  # the params as canonical JSON, their `{...}` templates not filled in
    state_file: str | None = None  # an absolute path
    catch_up: str = "once"
    catch_up_limit: int = DEFAULT_CATCH_UP_LIMIT
    overlap: str = "skip"

    @property
    def params(self) -> dict[str, Any]:
        import json

        found = json.loads(self.params_json)
        assert isinstance(found, dict)
        return found


def parse_schedules(table: Any, root: str) -> tuple[ScheduleConfig, ...]:
    if not isinstance(table, Mapping):
        raise ScheduleConfigError("`schedules` is a table of NAME = {mission, cron, timezone, "
                                  "params, ...}")
    if len(table) > MAX_SCHEDULES:
        raise ScheduleConfigError(f"`schedules` has {len(table)} schedules; at most "
                                  f"{MAX_SCHEDULES}")
    return tuple(_schedule(name, entry, root) for name, entry in sorted(table.items()))


def _schedule(name: str, table: Any, root: str) -> ScheduleConfig:
    where = f"schedules.{name}"
    if not _NAME.fullmatch(name):
        raise ScheduleConfigError(f"`{where}`: a schedule's name is a letter or `_` then up "
                                  "to 63 letters, digits, `_` or `-`")
    if not isinstance(table, Mapping):
        raise ScheduleConfigError(f"`{where}` must be a table")
    for key in table:
        if key not in _KEYS:
            raise ScheduleConfigError(f"unknown key `{where}.{key}`; the keys are "
                                      + ", ".join(f"`{k}`" for k in _KEYS))
    for key in ("mission", "cron"):
        if not isinstance(table.get(key), str) or not table[key].strip():
            raise ScheduleConfigError(f"`{where}.{key}` is required: "
                                      + ("the mission to start (a registered name, or a "
                                         ".mission or .json file)" if key == "mission" else
                                         "when, as five cron fields (\"30 8 * * 1-5\")"))
    zone = table.get("timezone", "UTC")
    if not isinstance(zone, str) or not zone:
        raise ScheduleConfigError(f"`{where}.timezone` is an IANA name, such as "
                                  "\"Europe/Paris\"")
    state_file = table.get("state-file")
    if state_file is not None and (not isinstance(state_file, str) or not state_file):
        raise ScheduleConfigError(f"`{where}.state-file` is the path of a JSON file")
    catch_up = table.get("catch-up", "once")
    if catch_up not in CATCH_UP:
        raise ScheduleConfigError(f"`{where}.catch-up` is \"skip\" (missed fires start "
                                  "nothing), \"once\" (one run for them all) or \"each\" (a run "
                                  f"for each, up to `catch-up-limit`), not {catch_up!r}")
    limit = table.get("catch-up-limit", DEFAULT_CATCH_UP_LIMIT)
    if isinstance(limit, bool) or not isinstance(limit, int) \
            or not 1 <= limit <= MAX_CATCH_UP_LIMIT:
        raise ScheduleConfigError(f"`{where}.catch-up-limit` is a whole number from 1 to "
                                  f"{MAX_CATCH_UP_LIMIT}, not {limit!r}")
    overlap = table.get("overlap", "skip")
    if overlap not in OVERLAP:
        raise ScheduleConfigError(f"`{where}.overlap` is \"skip\" (no new run while the last "
                                  "one waits) or \"start\", not " + repr(overlap))
    params = table.get("params", {})
    if not isinstance(params, Mapping):
        raise ScheduleConfigError(f"`{where}.params` is a table of param = value")
    return ScheduleConfig(
        name=name, mission=table["mission"].strip(), cron=" ".join(table["cron"].split()),
        timezone=zone, params_json=_params_json(params, f"{where}.params"),
        state_file=os.path.normpath(os.path.join(root, state_file)) if state_file else None,
        catch_up=catch_up, catch_up_limit=limit, overlap=overlap)


def _params_json(params: Mapping[str, Any], where: str) -> str:
    """The params as canonical JSON: TOML's dates and times as ISO 8601 text."""
    from runtime.orchestration.canonical import canonical_json
    from runtime.orchestration.values import NotJSONData, json_copy

    def plain(value: Any) -> Any:
        if isinstance(value, datetime.date | datetime.time):
            return value.isoformat()
        if isinstance(value, list):
            return [plain(item) for item in value]
        if isinstance(value, dict):
            return {key: plain(item) for key, item in value.items()}
        return value

    try:
        return canonical_json(json_copy(plain(dict(params)), where))
    except NotJSONData as problem:
        raise ScheduleConfigError(f"`{where}`: {problem}") from None
