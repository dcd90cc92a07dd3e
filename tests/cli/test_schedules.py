"""Schedules (`[tool.mission.schedules]`): when they fire, across daylight saving changes,
what `mission tick` starts with a virtual clock (catch-up, overlap, params from the fire
time), several ticks at once, `mission schedules`, and the shipped example."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from mission.cron import (
    CronError,
    expression,
    fires_after,
    fires_between,
    instant_of,
    zone_named,
)
from runtime.store_api import open_store
from tests.conftest import ROOT, run_cli

PARIS = zone_named("Europe/Paris")


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def upcoming(cron: str, zone: str, after: str, count: int) -> list[str]:
    found = fires_after(cron, zone_named(zone), utc(after))
    return [next(found).isoformat() for _ in range(count)]


def test_a_wall_clock_time_that_does_not_exist_fires_once_after_the_gap() -> None:
    # 29 March 2026, Paris: 02:00 CET becomes 03:00 CEST; 02:30 does not exist
    assert upcoming("30 2 * * *", "Europe/Paris", "2026-03-27T12:00:00+00:00", 3) == [
        "2026-03-28T01:30:00+00:00", "2026-03-29T01:00:00+00:00", "2026-03-30T00:30:00+00:00"]
    # every 15 minutes: 01:45 CET, then 03:00 CEST once (the gap's times are that instant)
    quarter = fires_after("*/15 * * * *", PARIS, utc("2026-03-29T00:40:00+00:00"))
    assert [next(quarter).astimezone(PARIS).strftime("%H:%M %Z") for _ in range(3)] == [
        "01:45 CET", "03:00 CEST", "03:15 CEST"]
    assert instant_of(datetime(2026, 3, 29, 2, 30), PARIS).isoformat() == \
        "2026-03-29T01:00:00+00:00"


def test_a_wall_clock_time_that_occurs_twice_fires_once_at_the_first() -> None:
    # 25 October 2026, Paris: 03:00 CEST becomes 02:00 CET; 02:30 occurs twice
    assert upcoming("30 2 * * *", "Europe/Paris", "2026-10-23T12:00:00+00:00", 3) == [
        "2026-10-24T00:30:00+00:00", "2026-10-25T00:30:00+00:00", "2026-10-26T01:30:00+00:00"]
    half = fires_after("*/30 * * * *", PARIS, utc("2026-10-24T23:40:00+00:00"))
    assert [next(half).astimezone(PARIS).strftime("%H:%M %Z") for _ in range(4)] == [
        "02:00 CEST", "02:30 CEST", "03:00 CET", "03:30 CET"]
    # New York goes back on 1 November 2026: 01:30 fires at its first, EDT, occurrence
    assert upcoming("30 1 * * *", "America/New_York", "2026-10-31T12:00:00+00:00", 2) == [
        "2026-11-01T05:30:00+00:00", "2026-11-02T06:30:00+00:00"]


def test_fires_between_read_in_the_second_pass_of_the_hour_that_repeats() -> None:
    """At 02:30 CET (the second 02:30 of 25 October), the fires of the first pass, which
    came earlier, are found; the second pass fires nothing."""
    found, _ = fires_between("*/20 * * * *", PARIS, utc("2026-10-24T23:50:00+00:00"),
                             utc("2026-10-25T01:30:00+00:00"), 20)
    assert [fire.astimezone(PARIS).strftime("%H:%M %Z") for fire in found] == [
        "02:00 CEST", "02:20 CEST", "02:40 CEST"]


def test_fires_between_gives_the_latest_and_says_when_it_left_some_out() -> None:
    found, older = fires_between("0 * * * *", UTC, utc("2026-12-01T00:00:00+00:00"),
                                 utc("2026-12-01T05:30:00+00:00"), 3)
    assert [fire.hour for fire in found] == [3, 4, 5] and older
    found, older = fires_between("0 * * * *", UTC, utc("2026-12-01T02:00:00+00:00"),
                                 utc("2026-12-01T05:00:00+00:00"), 10)
    assert [fire.hour for fire in found] == [3, 4, 5] and not older


def test_expressions_and_zones_are_refused_by_name() -> None:
    assert expression("@daily") == "0 0 * * *"
    with pytest.raises(CronError, match="has 6 fields; a schedule has five"):
        expression("0 30 8 * * 1")
    with pytest.raises(CronError, match="bad day-of-month"):
        expression("0 0 31 2 *")
    with pytest.raises(CronError, match="did you mean Europe/Paris"):
        zone_named("Europe/Pariss")


# -- `mission tick` starting runs, with a virtual clock -----------------------------------

def project(tmp_path: Path, schedules: str) -> Path:
    (tmp_path / "mission.toml").write_text(schedules, encoding="utf-8")
    return tmp_path


def tick(where: Path, now: str) -> subprocess.CompletedProcess[str]:
    done = run_cli("tick", "--store", str(where / "runs.sqlite3"), cwd=where,
                   env={"MISSION_NOW": now})
    assert done.returncode == 0, done.stderr
    return done


def runs(where: Path) -> list[Any]:
    with open_store(where / "runs.sqlite3") as store:
        return [store.load(item.run_id).record for item in store.list()]


DAILY = """
[schedules.planning]
mission = "daily_loop"
cron = "30 2 * * *"
timezone = "Europe/Paris"
params = {{ today = "{{date}}" }}
overlap = "{overlap}"
catch-up = "{catch_up}"
catch-up-limit = 2
"""


@pytest.mark.parametrize(("day", "expected"), [
    ("2026-03-28", [("2026-03-28T01:30:00+00:00", "2026-03-28"),
                    ("2026-03-29T01:00:00+00:00", "2026-03-29"),  # 02:30 is 03:00 CEST
                    ("2026-03-30T00:30:00+00:00", "2026-03-30")]),
    ("2026-10-24", [("2026-10-24T00:30:00+00:00", "2026-10-24"),
                    ("2026-10-25T00:30:00+00:00", "2026-10-25"),  # the first 02:30 only
                    ("2026-10-26T01:30:00+00:00", "2026-10-26")])])
def test_the_virtual_clock_moves_a_schedule_across_a_change(
        tmp_path: Path, day: str, expected: list[tuple[str, str]]) -> None:
    """Ticks every 3 hours for three days around the change (late, so every fire is caught
    up): one run a day, for the fire the rule gives, with that day in Paris as `today`."""
    where = project(tmp_path, DAILY.format(overlap="start", catch_up="each"))
    start = utc(f"{day}T00:00:00+00:00").timestamp()
    for hour in range(0, 75, 3):
        tick(where, datetime.fromtimestamp(start + hour * 3600, UTC).isoformat())
    assert [(r.schedule["fire_at"], r.params["today"]) for r in runs(where)] == expected
    assert {(r.status, r.started_by) for r in runs(where)} == {("waiting",
                                                                "schedule:planning")}
    verified = run_cli("verify", "2", "--store", str(where / "runs.sqlite3"), cwd=where)
    assert f"for its fire at {expected[1][0]}" in verified.stdout, verified.stdout


@pytest.mark.parametrize(("catch_up", "fires"), [
    ("skip", []), ("once", ["2026-12-05T01:30:00+00:00"]),
    ("each", ["2026-12-04T01:30:00+00:00", "2026-12-05T01:30:00+00:00"])])
def test_fires_missed_while_nothing_ran_are_caught_up_as_configured(
        tmp_path: Path, catch_up: str, fires: list[str]) -> None:
    where = project(tmp_path, DAILY.format(overlap="start", catch_up=catch_up))
    assert tick(where, "2026-12-01T12:00:00+00:00").stdout == ""  # first seen: no catch-up
    lines = tick(where, "2026-12-05T12:00:00+00:00").stdout  # 4 fires missed, at most 2 each
    assert [r.schedule["fire_at"] for r in runs(where)] == fires
    skipped = {"skip": "4 fires", "once": "3 fires", "each": "2 fires"}[catch_up]
    assert f"schedule planning: {skipped} up to" in lines, lines
    assert tick(where, "2026-12-05T12:00:00+00:00").stdout == ""  # handled: nothing again


def test_a_fire_while_the_last_run_waits_is_skipped_with_overlap_skip(tmp_path: Path) -> None:
    where = project(tmp_path, DAILY.format(overlap="skip", catch_up="skip"))
    tick(where, "2026-12-01T00:00:00+00:00")
    tick(where, "2026-12-01T01:31:00+00:00")
    lines = tick(where, "2026-12-02T01:31:00+00:00").stdout
    assert "fire 2026-12-02T01:30:00+00:00 skipped: run 1 of this schedule still waits" in lines
    assert len(runs(where)) == 1
    answered = run_cli("resume", "1", "--answer", "confirm_priorities=yes", "--store",
                       str(where / "runs.sqlite3"), cwd=where,
                       env={"MISSION_NOW": "2026-12-02T08:00:00+00:00"})
    assert answered.returncode == 0, answered.stderr
    tick(where, "2026-12-03T01:31:00+00:00")
    assert [r.schedule["fire_at"] for r in runs(where)] == ["2026-12-01T01:30:00+00:00",
                                                             "2026-12-03T01:30:00+00:00"]


def test_a_schedule_that_cannot_start_says_why_and_the_others_run(tmp_path: Path) -> None:
    where = project(tmp_path, """
[schedules.broken]
mission = "gone.mission"
cron = "* * * * *"

[schedules.echo]
mission = "echo"
cron = "* * * * *"
params = { message = "{weekday} {time} {{ok}}" }
""")
    tick(where, "2026-12-07T09:00:30+00:00")
    lines = tick(where, "2026-12-07T09:01:30+00:00").stdout
    assert "schedule broken: fire 2026-12-07T09:01:00+00:00 failed: " in lines
    assert "gone.mission: no such file" in lines
    [echo] = runs(where)
    assert echo.status == "succeeded" and echo.final_state == {"echo": "Monday 09:01 {ok}"}


def test_ticks_at_once_start_one_run_per_fire(tmp_path: Path) -> None:
    schedules = "".join(f'\n[schedules.s{number}]\nmission = "echo"\ncron = "* * * * *"\n'
                        for number in range(8))
    where = project(tmp_path, schedules)
    tick(where, "2026-12-07T09:00:10+00:00")
    environment = {**os.environ, "MISSION_NOW": "2026-12-07T09:02:10+00:00",
                   "PYTHONPATH": str(ROOT)}
    processes = [subprocess.Popen([sys.executable, "-m", "mission", "tick", "--store",
                                   str(where / "runs.sqlite3")], cwd=where, env=environment,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                 for _ in range(4)]
    outputs = [process.communicate(timeout=120) for process in processes]
    assert [process.returncode for process in processes] == [0] * 4, outputs
    fires = sorted((r.schedule["name"], r.schedule["fire_at"]) for r in runs(where))
    assert len(fires) == len(set(fires)) == 16  # 8 schedules x 2 fires, each once
    assert sum(line.count("started run") for out, _ in outputs for line in [out]) == 16


def test_mission_schedules_lists_next_and_last_fires(tmp_path: Path) -> None:
    where = project(tmp_path, DAILY.format(overlap="skip", catch_up="once"))
    tick(where, "2026-12-01T00:00:00+00:00")
    tick(where, "2026-12-01T01:30:20+00:00")
    shown = run_cli("schedules", "--store", str(where / "runs.sqlite3"), cwd=where,
                    env={"MISSION_NOW": "2026-12-01T12:00:00+00:00"})
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.splitlines() == [
        "planning: daily_loop at `30 2 * * *` (Europe/Paris); catch-up once, overlap skip",
        "  next: 2026-12-02 02:30 CET, 2026-12-03 02:30 CET, 2026-12-04 02:30 CET",
        "  last: 2026-12-01 02:30 CET: started run 1 (20 s after its time)"]
    data = json.loads(run_cli("schedules", "--json", "--next", "1", "--store",
                              str(where / "runs.sqlite3"), cwd=where,
                              env={"MISSION_NOW": "2026-12-01T12:00:00+00:00"}).stdout)
    [row] = data["schedules"]
    assert row["next"] == ["2026-12-02T01:30:00+00:00"]
    assert row["last"] == {"fire_at": "2026-12-01T01:30:00+00:00", "outcome": "started",
                           "run_id": 1, "at": "2026-12-01T01:30:20+00:00",
                           "lag_seconds": 20.0}


def test_the_shipped_example_schedules_daily_loop_on_weekday_mornings(tmp_path: Path) -> None:
    example = ROOT / "examples" / "scheduled" / "mission.toml"
    checked = run_cli("check", str(example))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "Checked 1 file" in checked.stdout
    shown = run_cli("schedules", "--config", str(example), "--next", "6", "--store",
                    str(tmp_path / "runs.sqlite3"),
                    env={"MISSION_NOW": "2026-12-04T12:00:00+00:00"})  # a Friday
    assert shown.returncode == 0, shown.stderr
    assert "weekday_planning: daily_loop at `30 8 * * 1-5` (Europe/Paris)" in shown.stdout
    assert ("next: 2026-12-07 08:30 CET, 2026-12-08 08:30 CET, 2026-12-09 08:30 CET, "
            "2026-12-10 08:30 CET, 2026-12-11 08:30 CET, 2026-12-14 08:30 CET") in shown.stdout
