"""Lean start-up: what each common command does not import, checked in real processes
(the timings themselves live in `bench/`). A module here is either not needed on that
path at all, or imported lazily where it is."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

SEED_NAMES = ["Orchestrator", "WorkflowDefinition", "StepSpec", "ExecutionContext",
              "OrchestrationResult", "AntiFailureViolation", "EnvelopeViolation", "MissionSpec",
              "build_workflow", "AntiFailurePlanningError", "EffectError", "ReplayError",
              "AnswerError", "ParameterError"]
CLEAN = (ROOT / "runtime" / "orchestration" / "missions" / "daily_loop.mission").read_text(
    encoding="utf-8")


def loaded(code: str, cwd: Path, modules: list[str]) -> dict[str, bool]:
    """Which of `modules` are imported after running `code` in a fresh interpreter."""
    probe = (f"{code}\nimport sys, json\n"
             f"print(json.dumps({{m: m in sys.modules for m in {modules!r}}}))")
    done = subprocess.run([sys.executable, "-c", probe], cwd=cwd, capture_output=True,
                          text=True, check=False, env={"PATH": "", "PYTHONPATH": str(ROOT),
                                                       "XDG_CACHE_HOME": str(cwd / "cache"),
                                                       "XDG_DATA_HOME": str(cwd / "data"),
                                                       "NO_COLOR": "1"})
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def cli(arguments: list[str], expected: int = 0) -> str:
    return ("import contextlib, io\nfrom mission.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            f"    code = main({arguments!r})\n"
            f"assert code == {expected}, code")


def test_every_seed_name_imports_from_the_package_on_first_use() -> None:
    import runtime.orchestration as package

    for name in SEED_NAMES:
        assert name in package.__all__ and name in dir(package)
        exec(f"from runtime.orchestration import {name}", {})
    with pytest.raises(ImportError):
        exec("from runtime.orchestration import Nothing", {})


def test_the_operation_table_does_not_bring_the_engine_or_the_missions(tmp_path: Path) -> None:
    modules = ["runtime.orchestration.engine", "runtime.orchestration.builder",
               "runtime.orchestration.missions"]
    found = loaded("import runtime.orchestration.operations", tmp_path, modules)
    assert not any(found.values()), found
    found = loaded("from runtime.orchestration import Orchestrator", tmp_path, modules)
    assert found == dict.fromkeys(modules[:1], True) | dict.fromkeys(modules[1:], False)


LAZY = ["lark", "compiler.recovery", "difflib", "tomllib", "tempfile", "shutil",
        "compiler.formats", "mission.gitignore", "runtime.orchestration.engine",
        "runtime.orchestration.builder"]


def test_checking_a_clean_file_imports_only_what_it_uses(tmp_path: Path) -> None:
    (tmp_path / "clean.mission").write_text(CLEAN, encoding="utf-8")
    command = cli(["check", "--no-cache", "clean.mission"])
    loaded(command, tmp_path, [])  # the first run exports the parse tables (with Lark)
    found = loaded(command, tmp_path, LAZY)
    assert not any(found.values()), [name for name, present in found.items() if present]


# Everything of ours a one-file `mission check --no-cache` imports, without a configuration
# file: parse, check, lint, emit (the compiled workflow's content hash) and the report. A
# module added here must be needed by every such check; otherwise import it where it is used.
ONE_FILE_CHECK = {
    "compiler", "compiler.analysis", "compiler.ast", "compiler.bounds", "compiler.building",
    "compiler.checked", "compiler.checks", "compiler.literals",
    "compiler.config", "compiler.diagnostics", "compiler.emit", "compiler.fastparse",
    "runtime.frozen",  # the tree's and the diagnostics' classes (without dataclass's cost)
    "compiler.lexer", "compiler.limits", "compiler.lint", "compiler.linter", "compiler.parser",
    "compiler.pipeline", "compiler.result", "compiler.rules",
    "compiler.rule_codes",
    # the call typing and the operation table a mission may call (the data operations among
    # them; a project's declarations, `runtime.orchestration.user_operations`, are read only
    # when there are any)
    "compiler.typer", "compiler.narrowing", "compiler.operations",
    "runtime.orchestration.data",
    "compiler.source", "compiler.suggest", "compiler.summary", "compiler.suppress",
    "compiler.syntax", "compiler.tables", "mission", "mission.cli", "mission.commands",
    "mission.colour", "mission.commands.check", "mission.progress", "mission.walk", "runtime",
    "runtime.bounds",
    "runtime.reading",  # the bounded reader of the file
    "runtime.orchestration", "runtime.orchestration.calling", "runtime.orchestration.canonical",
    "runtime.orchestration.effects",
    "runtime.orchestration.model", "runtime.orchestration.operations",
    "runtime.orchestration.semantics", "runtime.orchestration.types",
    "runtime.orchestration.values",
}
# Machinery a one-file check does not use: the batch (cache stamps, the worker pool), the
# configuration's reader, schemas, the parser generator, the engine.
NOT_FOR_ONE_FILE = ["compiler.batch", "compiler.cache", "tomllib", "multiprocessing",
                    "concurrent.futures", "jsonschema", "lark", "tempfile", "shutil",
                    "runtime.orchestration.engine", "difflib", "compiler.recovery"]


def test_a_one_file_check_imports_exactly_the_modules_it_uses(tmp_path: Path) -> None:
    (tmp_path / "clean.mission").write_text(CLEAN, encoding="utf-8")
    command = cli(["check", "--no-cache", "clean.mission"])
    loaded(command, tmp_path, [])  # the first run exports the parse tables (with Lark)
    found = loaded(command, tmp_path, NOT_FOR_ONE_FILE)
    assert [name for name, present in found.items() if present] == []
    ours = ("\nimport json, sys\nprint(json.dumps([m for m in sys.modules if m.split('.')[0] "
            "in ('compiler', 'mission', 'runtime') and not m.startswith('compiler.rules.')]))")
    probe = subprocess.run([sys.executable, "-c", command + ours], cwd=tmp_path,
                           capture_output=True, text=True, check=True,
                           env={"PATH": "", "PYTHONPATH": str(ROOT), "NO_COLOR": "1",
                                "XDG_CACHE_HOME": str(tmp_path / "cache")})
    imported = set(json.loads(probe.stdout.strip().splitlines()[-1]))
    assert imported - ONE_FILE_CHECK == set(), "imported by a one-file check: import it lazily"
    assert ONE_FILE_CHECK - imported == set(), "no longer imported: take it off the list"


def test_what_is_lazy_still_comes_when_needed(tmp_path: Path) -> None:
    (tmp_path / "broken.mission").write_text(CLEAN.replace("prioritize(", "prioritise("),
                                             encoding="utf-8")
    (tmp_path / "syntax.mission").write_text("mission m {\n  version 1\n  runtime s {\n}\n",
                                             encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text("[tool.mission]\nignore = [\"W101\"]\n",
                                             encoding="utf-8")
    found = loaded(cli(["check", "--format", "json", "."], expected=1), tmp_path, LAZY)
    for name in ("lark", "compiler.recovery", "difflib", "tomllib", "compiler.formats",
                 "mission.gitignore"):
        assert found[name], name


def test_running_a_compiled_mission_needs_no_compiler_builder_or_missions(
        tmp_path: Path) -> None:
    """Of the compiler, only the configuration reader: the run is stored, and the project's
    configuration says where (`store`) and whether (`store-runs`)."""
    from compiler import compile_file

    workflow = compile_file(ROOT / "examples" / "echo.mission").workflow
    assert workflow is not None
    (tmp_path / "echo.json").write_text(json.dumps(workflow.to_dict()), encoding="utf-8")
    modules = ["lark", "compiler.parser", "compiler.checks", "compiler.emit",
               "compiler.diagnostics", "runtime.orchestration.builder",
               "runtime.orchestration.missions", "shutil", "jinja2", "mission.report"]
    found = loaded(cli(["run", "echo.json", "--param", "message=hi"]), tmp_path, modules)
    assert not any(found.values()), found
    # the HTML report brings Jinja2 (the `report` extra) only when it is asked for
    found = loaded(cli(["run", "echo.json", "--param", "message=hi", "--report", "run.html"]),
                   tmp_path, ["jinja2", "mission.report", "lark"])
    assert found == {"jinja2": True, "mission.report": True, "lark": False}, found


def test_a_warm_check_of_a_project_with_findings_needs_neither_the_ast_nor_the_diagnostics(
        tmp_path: Path) -> None:
    """Unchanged files are answered by `stat` and the text the cache kept, under a config
    with patterns, limits and code selectors (a typo in it would need the suggestions)."""
    for index in range(3):
        (tmp_path / f"clean_{index}.mission").write_text(CLEAN, encoding="utf-8")
    (tmp_path / "broken.mission").write_text(CLEAN.replace("prioritize(", "prioritise("),
                                             encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text(
        "[tool.mission]\nignore = [\"W101\"]\nextend-select = [\"unused-param\"]\n"
        "exclude = [\"/skipped/\"]\n[tool.mission.severity]\nW2 = \"note\"\n"
        "[tool.mission.limits]\nmax-depth = 40\n",
        encoding="utf-8")
    command = cli(["check", "."], expected=1)
    for _ in range(2):  # fill the cache, then settle files written within its trust window
        loaded(command, tmp_path, [])
    import time

    time.sleep(2.1)
    loaded(command, tmp_path, [])
    found = loaded(command, tmp_path, ["compiler.ast", "compiler.diagnostics", "compiler.rules",
                                       "compiler.suggest", "compiler.checks", "lark"])
    assert [name for name, present in found.items() if present] == []
