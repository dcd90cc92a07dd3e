"""No code path turns data into code: no eval/exec, no pickle or marshal, no shell.

Read from the source of every shipped package, so a new use is caught where it is
written. (The parser caches are JSON: tests/compiler/test_parser_cache.py.)
"""

from __future__ import annotations

import ast
from pathlib import Path

from tests.conftest import ROOT

PACKAGES = ("grammar", "compiler", "runtime", "mission")
FORBIDDEN_CALLS = {"eval", "exec", "compile", "__import__", "breakpoint"}
FORBIDDEN_MODULES = {"pickle", "cPickle", "dill", "marshal", "shelve", "yaml", "code", "pty"}
FORBIDDEN_ATTRIBUTES = {("os", "system"), ("os", "popen"), ("os", "execv"), ("os", "execvp"),
                        ("subprocess", "getoutput"), ("subprocess", "getstatusoutput")}


def sources() -> list[Path]:
    return sorted(path for package in PACKAGES for path in (ROOT / package).rglob("*.py"))


def findings(path: Path, root: Path = ROOT) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        where = f"{path.relative_to(root)}:{getattr(node, 'lineno', 0)}"
        if isinstance(node, ast.Call):
            function = node.func
            if isinstance(function, ast.Name) and function.id in FORBIDDEN_CALLS:
                found.append(f"{where}: {function.id}()")
            if isinstance(function, ast.Attribute) and isinstance(function.value, ast.Name) \
                    and (function.value.id, function.attr) in FORBIDDEN_ATTRIBUTES:
                found.append(f"{where}: {function.value.id}.{function.attr}()")
            for keyword in node.keywords:
                if keyword.arg == "shell" and not (isinstance(keyword.value, ast.Constant)
                                                   and keyword.value.value is False):
                    found.append(f"{where}: shell=")
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names = [alias.name for alias in node.names] if isinstance(node, ast.Import) \
                else [node.module or ""]
            found += [f"{where}: import {name}" for name in names
                      if name.split(".")[0] in FORBIDDEN_MODULES]
    return found


def test_the_packages_never_evaluate_unpickle_or_shell_out() -> None:
    assert len(sources()) > 50
    assert [finding for path in sources() for finding in findings(path)] == []


def test_the_check_itself_finds_what_it_forbids(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("import pickle\nimport os, subprocess\neval('1')\nos.system('x')\n"
                      "subprocess.run('x', shell=True)\n", encoding="utf-8")
    assert findings(sample, tmp_path) == ["sample.py:1: import pickle", "sample.py:3: eval()",
                                          "sample.py:4: os.system()", "sample.py:5: shell="]
