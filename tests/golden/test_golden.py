"""Golden tests: one fixture of violations and one of non-violations per code.

For each code `CODE` there are `cases/CODE.mission` (it must report `CODE`)
and `cases/CODE.ok.mission` (it must not). Each fixture's rendered text and
JSON are compared with `CODE[.ok].txt` and `CODE[.ok].json` beside it, with
the default rules in force plus `CODE` (for the rules that are off by default).
A fixture about the project's own operations is checked under the project
configuration `STEM.toml` beside it, else `CODE.toml` (as a `mission.toml`);
such fixtures may add a variant, `CODE.user.mission`, for a code that also
applies to built-in operations. A test file's fixture (E060-E068) tests a mission of
`cases/tested/`.

To regenerate the expected files after a deliberate change, run

    MISSION_UPDATE_GOLDENS=1 pytest tests/golden

and review the diff before committing it.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

import pytest

from compiler import compile_source
from compiler.config import Config, parse_config
from compiler.formats import FileReport, Report
from compiler.formats.json_format import render_json
from compiler.formats.text import render_text
from compiler.rules import all_codes, all_rules

CASES = Path(__file__).parent / "cases"
FIXTURES = sorted(CASES.glob("*.mission"))
# The fixtures of the rules about the configuration's schedules: mission.toml texts.
CONFIGURATIONS = sorted(CASES.glob("*.schedules.toml"))
UPDATE = os.environ.get("MISSION_UPDATE_GOLDENS") == "1"


def test_every_code_has_a_violation_and_a_clean_fixture() -> None:
    names = {path.name for path in (*FIXTURES, *CONFIGURATIONS)}
    missing = [f"{rule.code}{suffix}" for rule in all_rules()
               for suffix in ((".schedules.toml", ".ok.schedules.toml") if rule.configuration
                              else (".mission", ".ok.mission"))
               if f"{rule.code}{suffix}" not in names]
    assert missing == []
    strays = sorted(name for name in names if name.split(".")[0] not in all_codes())
    assert strays == []


def project_config(path: Path, code: str) -> Config:
    stem = path.name[: -len(".mission")]
    for toml in (path.with_name(stem + ".toml"), path.with_name(code + ".toml")):
        if toml.exists():
            declared = parse_config(tomllib.loads(toml.read_text(encoding="utf-8")),
                                    "mission.toml", "", "mission.toml")
            return Config(extend_select=(code,), operations=declared.operations,
                          broken_operations=declared.broken_operations, origin="mission.toml")
    return Config(extend_select=(code,))


def rendered(path: Path, code: str) -> tuple[tuple[str, ...], str, str]:
    config = project_config(path, code)
    result = compile_source(path.read_text(encoding="utf-8"), path.name, config=config)
    report = Report((FileReport(result.source, result.diagnostics),))
    codes = tuple(d.code for d in result.diagnostics)
    return codes, render_text(report), render_json(report)


def compare(expected: Path, actual: str) -> None:
    if UPDATE:
        expected.write_text(actual, encoding="utf-8")
    assert expected.exists(), f"{expected.name} is missing: run MISSION_UPDATE_GOLDENS=1 pytest"
    assert actual == expected.read_text(encoding="utf-8")


@pytest.mark.parametrize("path", FIXTURES, ids=[path.name for path in FIXTURES])
def test_fixture(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(CASES)  # a test file's fixture names its mission (`tested/`) from here
    code, clean = path.name.split(".")[0], path.name.endswith(".ok.mission")
    codes, text, data = rendered(path, code)
    if clean:
        assert code not in codes
    else:
        assert code in codes
    stem = path.name[: -len(".mission")]
    compare(path.with_name(stem + ".txt"), text)
    compare(path.with_name(stem + ".json"), data)


@pytest.mark.parametrize("path", CONFIGURATIONS, ids=[path.name for path in CONFIGURATIONS])
def test_configuration_fixture(path: Path) -> None:
    from compiler.source import SourceFile
    from mission.schedule_check import check_text

    code, clean = path.name.split(".")[0], path.name.endswith(".ok.schedules.toml")
    text = path.read_text(encoding="utf-8")
    found = check_text(text, str(CASES), "mission.toml")
    codes = [d.code for d in found]
    assert (code not in codes) if clean else (code in codes)
    report = Report((FileReport(SourceFile("mission.toml", text), tuple(found)),))
    stem = path.name[: -len(".schedules.toml")]
    compare(path.with_name(stem + ".txt"), render_text(report))
    compare(path.with_name(stem + ".json"), render_json(report))
