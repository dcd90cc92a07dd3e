"""The engine core stays pure: no module of it imports anything that does I/O or reads the
clock, randomness or environment; the store and the local runner stay at the edge."""

from __future__ import annotations

import ast

import pytest

from tests.conftest import ROOT

CORE = ["canonical", "effects", "engine", "expressions", "model", "operations", "types",
        "user_operations", "values"]
IMPURE = {"os", "sys", "time", "datetime.datetime", "random", "secrets", "subprocess",
          "sqlite3", "socket", "pathlib", "shutil", "tempfile", "uuid", "runtime.store",
          "runtime.local_effects", "runtime.user_code", "runtime.records", "runtime.verify",
          "lark", "compiler"}


def imports(name: str) -> set[str]:
    tree = ast.parse((ROOT / "runtime" / "orchestration" / f"{name}.py").read_text("utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


@pytest.mark.parametrize("name", CORE)
def test_core_modules_import_nothing_impure(name: str) -> None:
    bad = {module for module in imports(name)
           if module in IMPURE or module.split(".")[0] in {"os", "subprocess", "sqlite3"}}
    assert not bad, f"runtime/orchestration/{name}.py imports {sorted(bad)}"
