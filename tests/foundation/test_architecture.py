"""The architecture check: `lint-imports` holds the import contracts of pyproject.toml
(the layers, the runtime without lark or the compiler, no import circles), run as a user
runs it; and it fails, naming the contract, when a copy of the tree breaks one."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import grimp

from tests.conftest import ROOT
from tests.foundation.import_contracts import circles

PACKAGES = ("grammar", "compiler", "runtime", "mission", "schemas", "fuzz", "bench")
LINT_IMPORTS = str(Path(sys.executable).with_name("lint-imports"))


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    """`lint-imports` in `root` (its pyproject.toml), writing no cache into the tree."""
    env = {**os.environ, "PYTHONPATH": str(root), "COLUMNS": "200", "NO_COLOR": "1"}
    return subprocess.run([LINT_IMPORTS, "--no-cache", "--no-logo"], cwd=root, env=env,
                          capture_output=True, text=True, timeout=300)


def test_the_import_contracts_hold() -> None:
    done = lint_imports(ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Contracts: 4 kept, 0 broken." in done.stdout
    for name in ("The layers", "The runtime never imports lark", "No import circles",
                 "No circles between the packages"):
        assert f"{name}" in done.stdout


def _copy(tmp_path: Path) -> Path:
    tree = tmp_path / "tree"
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tree / package,
                        ignore=shutil.ignore_patterns("__pycache__", "corpus"))
    shutil.copy(ROOT / "pyproject.toml", tree / "pyproject.toml")
    (tree / "tests" / "foundation").mkdir(parents=True)
    for name in ("tests/__init__.py", "tests/foundation/__init__.py",
                 "tests/foundation/import_contracts.py"):
        shutil.copy(ROOT / name, tree / name)
    return tree


def _add_line(path: Path, line: str) -> None:
    text = path.read_text(encoding="utf-8")
    path.write_text(text + f"\n{line}  # noqa\n", encoding="utf-8")


def test_the_check_fails_on_an_upward_import_and_on_a_circle(tmp_path: Path) -> None:
    tree = _copy(tmp_path)
    assert lint_imports(tree).returncode == 0  # the copy holds, as the tree does

    _add_line(tree / "runtime" / "orchestration" / "values.py", "import compiler.parser")
    done = lint_imports(tree)
    assert done.returncode == 1
    assert "The layers: the CLI over the compiler over the grammar and the runtime BROKEN" \
        in done.stdout
    assert "The runtime never imports lark, the grammar or the compiler BROKEN" in done.stdout
    assert "runtime.orchestration.values -> compiler.parser" in done.stdout

    (tree / "runtime" / "orchestration" / "values.py").write_text(
        (ROOT / "runtime" / "orchestration" / "values.py").read_text(encoding="utf-8"),
        encoding="utf-8")
    _add_line(tree / "compiler" / "literals.py", "def _late() -> None:\n    import compiler.emit")
    done = lint_imports(tree)
    assert done.returncode == 1
    assert "No import circles: no module imports itself through others BROKEN" in done.stdout
    (circle,) = [line for line in done.stdout.splitlines() if line.startswith("Circle ")]
    assert "compiler.emit" in circle and "compiler.literals" in circle  # and those between
    assert "compiler.literals -> compiler.emit (l. " in done.stdout
    assert "Contracts: 3 kept, 1 broken." in done.stdout


def test_circles_are_the_strongly_connected_modules() -> None:
    graph = grimp.ImportGraph()
    for module in ("p", "p.a", "p.b", "p.c", "p.d", "p.e"):
        graph.add_module(module)
    for importer, imported in (("p.a", "p.b"), ("p.b", "p.c"), ("p.c", "p.a"),
                               ("p.c", "p.d"), ("p.d", "p.e"), ("p.e", "p.d")):
        graph.add_import(importer=importer, imported=imported)
    assert circles(graph, set(graph.modules)) == [["p.a", "p.b", "p.c"], ["p.d", "p.e"]]
    graph.remove_import(importer="p.e", imported="p.d")
    assert circles(graph, set(graph.modules)) == [["p.a", "p.b", "p.c"]]
    assert circles(graph, {"p.a", "p.b"}) == []  # the circle runs through a module left out
