"""The layering rule and the lean start-up paths, checked in real processes."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT

PURE_MODULES = ["engine", "plans", "steps", "binding", "run", "receipts", "model", "operations",
                "expressions", "types", "canonical"]


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_engine_and_data_model_never_import_lark_or_compiler_statically() -> None:
    for name in PURE_MODULES:
        modules = imported_modules(ROOT / "runtime" / "orchestration" / f"{name}.py")
        bad = {m for m in modules if m.split(".")[0] in {"lark", "compiler", "grammar"}}
        assert not bad, f"runtime/orchestration/{name}.py imports {bad}"


def loaded_after(code: str, modules: tuple[str, ...] = ("lark", "compiler", "grammar"),
                 ) -> dict[str, bool]:
    probe = (f"{code}\nimport sys, json\n"
             f"print(json.dumps({{m: m in sys.modules for m in {modules!r}}}))")
    output = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True,
                            text=True, check=True).stdout
    return json.loads(output.strip().splitlines()[-1])  # type: ignore[no-any-return]


def test_importing_the_runtime_loads_no_parser() -> None:
    loaded = loaded_after("import runtime.orchestration, runtime.orchestration.registry")
    assert loaded == {"lark": False, "compiler": False, "grammar": False}


def test_importing_the_compiler_does_not_load_lark() -> None:
    assert loaded_after("import compiler")["lark"] is False


def test_help_does_not_import_lark_or_jinja2() -> None:
    code = ("import contextlib, io\nfrom mission.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            "    try:\n        main(['--help'])\n    except SystemExit:\n        pass")
    assert loaded_after(code, ("lark", "compiler", "grammar", "jinja2")) == {
        "lark": False, "compiler": False, "grammar": False, "jinja2": False}


def test_running_a_compiled_json_does_not_import_lark(tmp_path: Path) -> None:
    from compiler import compile_file

    workflow = compile_file(ROOT / "examples" / "echo.mission").workflow
    assert workflow is not None
    compiled = tmp_path / "echo.json"
    compiled.write_text(json.dumps(workflow.to_dict()), encoding="utf-8")
    code = ("import contextlib, io\nfrom mission.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()) as out:\n"
            f"    code = main(['run', {str(compiled)!r}, '--param', 'message=hi', '--json'])\n"
            "assert code == 0, code\nassert '\"echo\": \"hi\"' in out.getvalue()")
    # Of the compiler only its configuration reader: the project's configuration says where
    # the run is stored (`store`) and whether (`store-runs`).
    loaded = loaded_after(code, ("lark", "grammar", "compiler.parser", "compiler.checks"))
    assert not any(loaded.values()), loaded
