"""`mission check` as users and CI run it: real subprocesses on real files.

The SARIF schema in `schemas/sarif-2.1.0.json` is the official SARIF 2.1.0
JSON schema (version rtm.5, the OASIS standard), vendored from the npm
package `@microsoft/jest-sarif` 1.0.0-beta.0 (MIT licence).
"""

from __future__ import annotations

import io
import json
import re
import shutil
from pathlib import Path

import jsonschema
import pytest

from mission.colour import use_colour
from tests.conftest import run_cli

SCHEMA = json.loads((Path(__file__).parent / "schemas" / "sarif-2.1.0.json").read_text())
CLEAN = 'mission ok "Fine" {\n    version 1\n    runtime a "A" { set(at: state.x, value: 1) }\n}\n'
WARNED = 'mission warned "Warned" {\n    version 1\n    param unused: int = 1\n' \
         '    runtime a "A" { set(at: state.x, value: 1) }\n}\n'
BROKEN = 'mission broken "Broken" {\n    version 1\n' \
         '    runtime a "A" { prioritise(tasks: []) -> state.r }\n}\n'


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "project").mkdir()
    return tmp_path / "project"


def check(project: Path, *args: str, env: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    cache = project.parent / "cache"
    return run_cli("check", *args, cwd=project, env={"XDG_CACHE_HOME": str(cache), **(env or {})})


def write(project: Path, name: str, text: str) -> Path:
    path = project / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_exit_codes(project: Path) -> None:
    write(project, "clean.mission", CLEAN)
    write(project, "warned.mission", WARNED)
    assert check(project, "clean.mission").returncode == 0
    warned = check(project, "warned.mission")
    assert warned.returncode == 0 and "warning[W201]" in warned.stdout
    assert check(project, "--strict", "warned.mission").returncode == 1
    write(project, "broken.mission", BROKEN)
    assert check(project, ".").returncode == 1
    missing = check(project, "nowhere.mission")
    assert missing.returncode == 2
    assert "nowhere.mission: no such file or directory" in missing.stderr


def test_summary_line_and_snippet(project: Path) -> None:
    write(project, "broken.mission", BROKEN)
    done = check(project, "broken.mission")
    assert "error[E006]: unknown operation `prioritise`" in done.stdout
    assert " --> broken.mission:3:21" in done.stdout
    assert "= help: did you mean `prioritize`?" in done.stdout
    last = done.stdout.strip().splitlines()[-1]
    assert re.fullmatch(r"Checked 1 file in \d+\.\d\ds: 1 error, 0 warnings, 0 notes; "
                        r"1 fixable with `--fix`\.", last), last
    assert "\033[" not in done.stdout


def test_an_unreadable_file_is_a_usage_error_and_the_rest_is_checked(project: Path) -> None:
    (project / "bad.mission").write_bytes(b"mission \xff {}")
    write(project, "broken.mission", BROKEN)
    done = check(project, ".")
    assert done.returncode == 2
    assert "bad.mission: not UTF-8 text (byte 8)" in done.stderr
    assert "error[E006]" in done.stdout


def test_json_format_is_stable_and_documented(project: Path) -> None:
    write(project, "broken.mission", BROKEN)
    write(project, "warned.mission", WARNED)
    done = check(project, "--format", "json", ".")
    assert done.returncode == 1
    data = json.loads(done.stdout)
    assert data["version"] == 1
    assert data["summary"] == {"files": 2, "errors": 1, "warnings": 1, "notes": 0,
                               "fixable": 1, "fixed": 0}
    first = data["diagnostics"][0]
    assert set(first) == {"path", "code", "slug", "severity", "message", "label", "span", "range",
                          "labels", "help", "fix"}
    assert (first["path"], first["code"], first["slug"]) == ("broken.mission", "E006",
                                                             "unknown-operation")
    assert first["range"] == {"start": {"line": 3, "column": 21}, "end": {"line": 3, "column": 31}}
    assert first["fix"]["edits"][0]["replacement"] == "prioritize"
    assert done.stderr.startswith("Checked 2 files")
    assert check(project, "--format", "json", "--no-cache", ".").stdout == done.stdout


def test_sarif_output_validates_against_the_sarif_2_1_0_schema(project: Path) -> None:
    write(project, "broken.mission", BROKEN.replace("version 1\n", ""))
    write(project, "dir/duplicate.mission", 'mission d "D" {\n    version 1\n'
          '    runtime a "A" { noop() }\n    runtime a "B" { noop() }\n}\n')
    done = check(project, "--format", "sarif", ".")
    log = json.loads(done.stdout)
    jsonschema.Draft4Validator(SCHEMA).validate(log)
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [rule["id"] for rule in rules][:3] == ["E001", "E002", "E003"]
    assert all(rule["help"]["text"] and rule["shortDescription"]["text"] for rule in rules)
    results = {result["ruleId"]: result for result in run["results"]}
    assert set(results) == {"E006", "E007", "E019"}
    for result in results.values():
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
    location = results["E007"]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "dir/duplicate.mission"
    assert location["region"] == {"startLine": 4, "startColumn": 13, "endLine": 4,
                                  "endColumn": 14}
    assert results["E007"]["relatedLocations"][0]["message"]["text"] == "first defined here"
    assert results["E006"]["fixes"][0]["artifactChanges"][0]["replacements"][0][
        "insertedContent"] == {"text": "prioritize"}


def test_github_annotations(project: Path) -> None:
    write(project, "broken.mission", BROKEN)
    write(project, "warned.mission", WARNED)
    lines = check(project, "--format", "github", ".").stdout.splitlines()
    assert lines[0] == ("::error file=broken.mission,line=3,endLine=3,col=21,endColumn=31,"
                        "title=E006 unknown-operation::unknown operation `prioritise`%0Ahelp: "
                        "did you mean `prioritize`?%0Ahelp: `mission explain operations` "
                        "lists the " + lines[0].split("lists the ")[1])
    assert "operations for runtime steps%0Ahelp: " in lines[0]
    assert lines[1].startswith("::warning file=warned.mission,line=3,")
    assert lines[-1].startswith("Checked 2 files")


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_colour_only_when_asked_and_an_explicit_choice_wins_over_no_color(
        project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(project, "broken.mission", BROKEN)
    coloured = check(project, "--color", "always", "broken.mission", env={"NO_COLOR": ""})
    assert "\033[1;31merror[E006]" in coloured.stdout
    # no-color.org: NO_COLOR is the default, a flag on the command line overrides it
    asked = check(project, "--color", "always", "broken.mission", env={"NO_COLOR": "1"})
    assert "\033[1;31merror[E006]" in asked.stdout
    monkeypatch.setenv("NO_COLOR", "1")
    assert not use_colour(_Terminal(), "auto") and use_colour(_Terminal(), "always")
    monkeypatch.setenv("NO_COLOR", "")
    assert use_colour(_Terminal(), "auto") and not use_colour(_Terminal(), "never")
    piped = check(project, "broken.mission", env={"NO_COLOR": ""})
    assert "\033[" not in piped.stdout  # not a terminal


def test_fix_and_diff(project: Path) -> None:
    path = write(project, "broken.mission", BROKEN.replace('"A" ', ""))
    diff = check(project, "--diff", "broken.mission")
    assert diff.returncode == 1
    assert "-    runtime a { prioritise(tasks: []) -> state.r }" in diff.stdout
    assert '+    runtime a "A" { prioritize(tasks: []) -> state.r }' in diff.stdout
    assert path.read_text(encoding="utf-8") != BROKEN  # --diff changes nothing
    fixed = check(project, "--fix", "broken.mission")
    assert fixed.returncode == 0, fixed.stdout
    assert "fixed 2 problems" in fixed.stdout
    assert path.read_text(encoding="utf-8") == BROKEN.replace("prioritise", "prioritize")
    assert check(project, "--diff", "broken.mission").returncode == 0


def test_tree_walk_respects_gitignore_and_the_cache(project: Path) -> None:
    (project / ".git").mkdir()
    write(project, ".gitignore", "generated/\n")
    write(project, "generated/broken.mission", BROKEN)
    write(project, "a.mission", CLEAN)
    write(project, "b.mission", WARNED)
    first = check(project)
    assert first.returncode == 0 and "generated" not in first.stdout
    assert first.stdout.strip().splitlines()[-1].startswith("Checked 2 files in ")
    second = check(project)
    assert re.search(r"Checked 2 files in \d+\.\d\ds \(2 unchanged, from the cache\)",
                     second.stdout)
    assert "warning[W201]" in second.stdout  # findings come back from the cache, snippet and all
    write(project, "b.mission", BROKEN)
    third = check(project)
    assert third.returncode == 1 and "(1 unchanged, from the cache)" in third.stdout
    assert "from the cache" not in check(project, "--no-cache").stdout


def test_configuration_is_read_and_its_errors_are_usage_errors(project: Path) -> None:
    write(project, "warned.mission", WARNED)
    write(project, "pyproject.toml", '[tool.mission]\nignore = ["unused-param"]\n')
    assert "W201" not in check(project, ".").stdout
    assert "W201" in check(project, "--select", "W2", ".").stdout
    write(project, "pyproject.toml", '[tool.mission.severity]\nW201 = "error"\n')
    assert check(project, ".").returncode == 1
    write(project, "pyproject.toml", '[tool.mission]\nignore = ["E006"]\n')
    done = check(project, ".")
    assert done.returncode == 2 and "cannot be turned off" in done.stderr
    assert check(project, "--ignore", "nope", ".").returncode == 2


def test_parallel_workers_give_the_same_report(project: Path) -> None:
    for index in range(80):
        text = (BROKEN, WARNED, CLEAN)[index % 3].replace("mission ", f"mission m{index}_", 1)
        write(project, f"tree/{index // 10}/m{index:02}.mission", text)
    one = check(project, "--format", "json", "--no-cache", "--jobs", "1", "tree")
    two = check(project, "--format", "json", "--no-cache", "--jobs", "2", "tree")
    assert one.returncode == two.returncode == 1
    assert one.stdout == two.stdout
    assert json.loads(two.stdout)["summary"]["files"] == 80


def test_examples_are_clean() -> None:
    done = run_cli("check", "--strict", "--no-cache", "examples")
    assert done.returncode == 0, done.stdout


def test_explain_and_rules() -> None:
    explained = run_cli("explain", "E006")
    assert explained.returncode == 0
    assert explained.stdout.startswith("E006 (unknown-operation): A step calls an operation")
    assert "## Why" in explained.stdout and "Use instead:" in explained.stdout
    assert run_cli("explain", "unused-param").stdout.startswith("W201 (unused-param)")
    unknown = run_cli("explain", "E0066")
    assert unknown.returncode == 2 and "did you mean" in unknown.stderr
    assert "did you mean `unused-param`?" in run_cli("explain", "unused-parm").stderr
    listed = run_cli("rules")
    assert listed.returncode == 0
    codes = re.findall(r"^([EWN]\d{3})  ", listed.stdout, re.MULTILINE)
    assert codes[:2] == ["E001", "E002"] and "W201" in codes and "N302" in codes
    data = json.loads(run_cli("rules", "--format", "json").stdout)
    assert [rule["code"] for rule in data] == codes


def test_check_does_not_need_a_writable_cache(project: Path) -> None:
    write(project, "a.mission", CLEAN)
    blocked = project.parent / "blocked"
    blocked.write_text("a file where the cache directory would go", encoding="utf-8")
    done = run_cli("check", ".", cwd=project, env={"XDG_CACHE_HOME": str(blocked)})
    assert done.returncode == 0, done.stderr
    shutil.rmtree(project)


def test_explain_shows_an_operation_and_lists_them_all() -> None:
    from mission.cli import UsageError
    from mission.commands.explain import explanation

    text = explanation("sort")
    assert text.startswith("sort(list: list, by: any per item) -> list\n"
                           "used inside any expression, or as a runtime step\n")
    assert "null is last" in text and "sort(state.bugs, by: [desc(item.severity), item.id])" in text
    listed = explanation("operations")
    assert all(name in listed for name in ("filter", "format", "prioritize", "confirm"))
    with pytest.raises(UsageError, match="did you mean `filter`"):
        explanation("filtr")
