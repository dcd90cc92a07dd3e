"""The `config` fuzz kind: schedule and notification configuration, valid or broken.

A drawn input is a `mission.toml` with `[schedules.NAME]` and `[notify]` tables whose
keys and values are picked from valid and hostile pieces (cron expressions that do not
parse or never fire, zones that do not exist or change their offset by half an hour,
placeholders that are not, secrets written out, URLs of other schemes), sometimes cut or
spliced as text. It goes through the schedule checks (`mission.schedule_check`),
`mission check`, `mission schedules`, `mission tick` (with a virtual clock around a
daylight-saving change, webhooks and mail pointed at a closed loopback port) and
`mission notifications`. The oracle: no exception out of the checks but a configuration
error, every finding an E06x with its span inside the text, no internal error from a
command, no secret in any output, and for a schedule that checks clean, fire times
strictly increasing, each the first occurrence of its wall-clock time.
"""

from __future__ import annotations

import contextlib
import io
import itertools
import json
import os
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from fuzz.harness import EXIT_INTERNAL, Finding, mutate_text

LINK_SECRET = "fuzz-link-secret-" + "k" * 30
HOOK_SECRET = "fuzz-hook-secret-" + "h" * 20
CLOSED = "http://127.0.0.1:9/hook"  # the discard port: nothing listens, refused at once
# Each key's values: those that are valid, then hostile ones (drawn now and then).
MISSIONS = (["daily_loop", "echo", "seed.mission"],
            ["run_tests", "daily_lop", "nope.mission", "../nope.mission", "", 7, "/etc/passwd"])
CRONS = (["* * * * *", "30 2 * * *", "30 8 * * 1-5", "*/15 * * * *", "0 0 1 * *", "@daily",
          "@hourly", "30 1 25 10 *", "0 0 29 2 *", "0 9 * * MON#2", "0 0 L * *"],
         ["@reboot", "0 0 30 2 *", "61 * * * *", "*/0 * * * *", "* * * * * *", "", "\x00",
          5, "* * * *"])
ZONES = (["UTC", "Europe/Paris", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata",
          "America/Sao_Paulo", "Etc/GMT+14"],
         ["Europe/Pariss", "CET", "+01:00", "", "../../etc/passwd", 3])
PARAMS: tuple[list[Any], list[Any]] = (
    [{"today": "{date}"}, {"today": "{date}", "top_n": 3}, {"message": "{time} {{x}}"},
     {"message": "{schedule} {instant} {datetime} {weekday}"}, {}],
    [{"today": "{day}"}, {"today": "{"}, {"top_n": "3"}, {"message": ["{date}", 1]},
     {"message": "{" * 30}, {"today": "}"}, "x", [1]])
KEYS: dict[str, tuple[list[Any], list[Any]]] = {
    "catch-up": (["skip", "once", "each"], ["never", 1]),
    "catch-up-limit": ([1, 10, 100], [0, 1000, -1, True]),
    "overlap": (["skip", "start"], ["wait"]),
    "state-file": (["tasks.json"], ["missing.json", "", 5]),
    "bogus": ([], [1])}
NOTIFY: dict[str, tuple[list[Any], list[Any]]] = {
    "events": ([["waiting"], ["waiting", "failed", "succeeded"], []], [["nope"], "waiting"]),
    "url": (["https://missions.example.com", "http://127.0.0.1:9"], ["ftp://x", "", 5]),
    "link-secret": (["env:FUZZ_LINK", "file:secret.txt"], ["hunter2", "env:", "env:UNSET_X"]),
    "link-lifetime": (["3 days", "1 minute"], ["0 days", "100 weeks", "2 fortnights", 5]),
    "attempts": ([1, 3, 30], [0, 31, "3"]),
    "timezone": (["UTC", "Europe/Paris"], ["Mars/Olympus"]),
    "bogus": ([], [True])}
EMAIL: dict[str, tuple[list[Any], list[Any]]] = {
    "host": (["127.0.0.1"], ["", 5]), "port": ([9], [0, 70000, "25"]),
    "security": (["starttls", "tls", "none"], ["ssl"]), "username": (["u"], [""]),
    "password": (["env:FUZZ_HOOK", "file:secret.txt"], ["hunter2"]),
    "from": (["M <m@example.com>"], ["a\nb", ""]), "ca-file": (["nope.pem"], [""])}
HOOK: dict[str, tuple[list[Any], list[Any]]] = {
    "url": ([CLOSED, "env:FUZZ_HOOK_URL"], ["ftp://x", "http://", ""]),
    "secret": (["env:FUZZ_HOOK", "file:secret.txt"], ["hunter2"]),
    "format": (["json", "slack", "teams"], ["xml"]),
    "groups": ([["managers"]], [["bad name"], "x"]), "events": ([["waiting"]], [["nope"]])}
HOSTILE = 0.04  # the chance of a hostile value (or a required key left out) for each key
REQUIRED = ("mission", "cron", "host", "from", "url")
SEED = """mission seed "A mission of the project" {
    version 1

    param message: str = ""

    human ok "Confirm" by managers {
        confirm("Go?", show: param.message) -> state.ok
    }
}
"""
NOWS = ["2026-03-29T00:59:00+00:00", "2026-03-29T01:01:00+00:00", "2026-10-25T00:31:00+00:00",
        "2026-10-25T01:31:00+00:00", "2026-12-07T07:31:00+00:00"]


def toml_value(value: Any) -> str:
    """`value` as TOML: strings with JSON's escapes (TOML's basic strings take them)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return json.dumps(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    return "{ " + ", ".join(f"{json.dumps(key)} = {toml_value(item)}"
                            for key, item in value.items()) + " }"


def _pick(rng: random.Random, choices: tuple[list[Any], list[Any]]) -> Any:
    valid, hostile = choices
    return rng.choice(hostile if not valid or rng.random() < HOSTILE else valid)


def _table(rng: random.Random, header: str,
           keys: dict[str, tuple[list[Any], list[Any]]], chance: float) -> str:
    lines = [f"[{header}]"]
    paired = rng.random() < chance  # `username` and `password` come together, or neither
    for key, choices in keys.items():
        if key in REQUIRED:
            drawn = rng.random() > HOSTILE
        elif key in ("username", "password"):
            drawn = paired != (rng.random() < HOSTILE)
        else:
            drawn = rng.random() < chance and (key != "bogus" or rng.random() < HOSTILE)
        if drawn:
            lines.append(f"{key} = {toml_value(_pick(rng, choices))}")
    return "\n".join(lines) + "\n"


def draw_config(rng: random.Random) -> str:
    parts = []
    for number in range(rng.randint(0, 3)):
        name = f"s{number}" if rng.random() > HOSTILE else \
            rng.choice(["weekday planning", "a" * 70, "é", ""])
        fields = {"mission": MISSIONS, "cron": CRONS, "timezone": ZONES, "params": PARAMS}
        parts.append(_table(rng, f"schedules.{json.dumps(name)}", {**fields, **KEYS}, 0.6))
    if rng.random() < 0.6:
        parts.append(_table(rng, "notify", NOTIFY, 0.5))
        if rng.random() < 0.4:
            parts.append(_table(rng, "notify.email", EMAIL, 0.8))
        for number in range(rng.randint(0, 2)):
            parts.append(_table(rng, f"notify.webhooks.hook{number}", HOOK, 0.8))
    text = "\n".join(parts)
    if rng.random() < 0.1:
        text = mutate_text(rng, text)
    return text


def check_config(text: str, root: Path) -> None:
    from compiler.config import ConfigError
    from mission.schedule_check import check_text

    scratch = root / "config"
    scratch.mkdir(exist_ok=True)
    (scratch / "mission.toml").write_text(text, encoding="utf-8", errors="surrogatepass")
    (scratch / "tasks.json").write_text('{"tasks": []}', encoding="utf-8")
    (scratch / "seed.mission").write_text(SEED, encoding="utf-8")
    secret = scratch / "secret.txt"
    secret.write_text(HOOK_SECRET, encoding="utf-8")
    os.chmod(secret, 0o600)
    store = scratch / "runs.sqlite3"
    for stale in scratch.glob("runs.sqlite3*"):
        stale.unlink()
    try:
        found = check_text(text, str(scratch))
    except ConfigError:
        found = None
    for diagnostic in found or []:
        if diagnostic.code not in ("E070", "E071", "E072", "E073") or not (
                0 <= diagnostic.span.start <= diagnostic.span.end <= len(text)):
            raise Finding(f"a finding out of place: {diagnostic}")
    if found == []:
        _fires_hold(text, scratch)
    environment = {"FUZZ_LINK": LINK_SECRET, "FUZZ_HOOK": HOOK_SECRET,
                   "FUZZ_HOOK_URL": CLOSED}
    with _environment(environment), contextlib.chdir(scratch):
        for now in random.Random(text.encode("utf-8", "surrogatepass")).sample(NOWS, 2):
            os.environ["MISSION_NOW"] = now
            for argv in (["check", "mission.toml"],
                         ["schedules", "--config", "mission.toml", "--store", str(store)],
                         ["tick", "--config", "mission.toml", "--store", str(store)],
                         ["notifications", "--store", str(store)]):
                output = _run(argv)
                for value in (LINK_SECRET, HOOK_SECRET):
                    if value in output:
                        raise Finding(f"mission {' '.join(argv)} printed a secret")


def _fires_hold(text: str, scratch: Path) -> None:
    """For a configuration that checks clean: each schedule's fires increase strictly, and
    each is the first occurrence of its wall-clock time in its zone."""
    import tomllib

    from compiler.config import parse_config
    from mission.cron import instant_of, zone_named
    from mission.scheduler import next_fires

    config = parse_config(tomllib.loads(text), "mission.toml", str(scratch),
                          str(scratch / "mission.toml"))
    for schedule in config.schedules:
        zone = zone_named(schedule.timezone)
        for start in ("2026-03-28T12:00:00+00:00", "2026-10-24T12:00:00+00:00"):
            fires = next_fires(schedule, start, 6)
            if any(later <= earlier for earlier, later in itertools.pairwise(fires)):
                raise Finding(f"schedule {schedule.name}: fires do not increase: {fires}")
            for fire in fires:
                wall = fire.astimezone(zone).replace(tzinfo=None)
                if fire.utcoffset() != timedelta(0) or instant_of(wall, zone) != fire:
                    raise Finding(f"schedule {schedule.name}: {fire} is not the first "
                                  f"occurrence of {wall} in {schedule.timezone}")
            if fires and fires[0] <= datetime.fromisoformat(start).astimezone(UTC):
                raise Finding(f"schedule {schedule.name}: a fire before its start")


def _run(argv: list[str]) -> str:
    """`mission ARGV` in this process, its output; an internal error is a finding."""
    from mission.cli import main as mission_main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = mission_main(list(argv))
        except SystemExit as exit_:
            code = int(exit_.code or 0)
    if code == EXIT_INTERNAL or "Traceback" in err.getvalue():
        raise Finding(f"mission {' '.join(argv)}: exit {code}: {err.getvalue()[-600:]}")
    return out.getvalue() + err.getvalue()


@contextlib.contextmanager
def _environment(values: dict[str, str]) -> Any:
    saved = {name: os.environ.get(name) for name in [*values, "MISSION_NOW"]}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
