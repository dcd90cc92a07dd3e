"""What a pip user gets: the wheel's files and metadata, `import mission`, the README's
Python example, `mission schema`, and the editor setup the docs give."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import ROOT, run_cli

README = (ROOT / "README.md").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> zipfile.ZipFile:
    """The wheel pip builds from a copy of this checkout (the build writes a `build/` tree,
    and a stale one would leak old files into the wheel)."""
    source = tmp_path_factory.mktemp("source") / "mission"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
        ".git", ".venv*", "build", "dist", "*.egg-info", "__pycache__", ".*_cache",
        ".hypothesis", "tests", "fuzz", "bench", "editors"))
    out = tmp_path_factory.mktemp("wheel")
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w",
                           str(out), str(source)], capture_output=True, text=True, timeout=300,
                          check=False)
    assert done.returncode == 0, done.stderr
    [built] = out.glob("mission-*.whl")
    return zipfile.ZipFile(built)


def test_the_wheel_holds_the_typed_packages_the_schema_and_the_licence(
        wheel: zipfile.ZipFile) -> None:
    names = set(wheel.namelist())
    for expected in ("mission/py.typed", "compiler/py.typed", "runtime/py.typed",
                     "grammar/py.typed", "schemas/workflow.schema.json", "grammar/mission.lark",
                     "runtime/orchestration/missions/echo.mission", "mission/api.py",
                     "mission/commands/schema.py"):
        assert expected in names, expected
    assert any(re.fullmatch(r"mission-[^/]+\.dist-info/(licenses/)?LICENSE", n) for n in names)
    assert {name.split("/")[0] for name in names} == {
        "compiler", "grammar", "mission", "runtime", "schemas", "mission-0.1.0.dist-info"}
    packed = wheel.read("schemas/workflow.schema.json")
    assert packed == (ROOT / "schemas" / "workflow.schema.json").read_bytes()
    [metadata] = [n for n in names if n.endswith(".dist-info/METADATA")]
    text = wheel.read(metadata).decode("utf-8")
    for classifier in ("License :: OSI Approved :: MIT License", "Typing :: Typed",
                       "Operating System :: POSIX", "Programming Language :: Python :: 3.11"):
        assert f"Classifier: {classifier}\n" in text


def test_the_licence_is_the_mit_licence_pyproject_names() -> None:
    licence = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert licence.startswith("MIT License\n")
    assert 'license = { text = "MIT" }' in (ROOT / "pyproject.toml").read_text(encoding="utf-8")


def test_the_readme_python_example_runs(tmp_path: Path) -> None:
    blocks = re.findall(r"```python\n(.*?)```", README, re.DOTALL)
    [example] = [block for block in blocks if "import mission\n" in block]
    program = example + "\nprint('ran')\n"
    done = subprocess.run([sys.executable, "-c", program], cwd=tmp_path, capture_output=True,
                          text=True, timeout=60, check=False,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr
    assert done.stdout == "ran\n"
    assert (tmp_path / "greet-run.json").is_file()


def test_import_mission_exposes_the_public_api() -> None:
    import mission

    for name in ("compile_source", "compile_file", "run", "record_of", "save_record",
                 "load_record", "verify", "RunRecord", "RecordError", "WorkflowDefinition"):
        assert name in mission.__all__ and callable(getattr(mission, name)), name
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        mission.nope  # noqa: B018


def test_load_record_refuses_an_edited_receipt(tmp_path: Path) -> None:
    import mission

    compiled = mission.compile_source((ROOT / "examples" / "echo.mission").read_text("utf-8"))
    assert compiled.workflow is not None
    result = mission.run(compiled.workflow, params={"message": "hi"})
    path = tmp_path / "run.json"
    mission.save_record(mission.record_of(compiled.workflow, result, params={"message": "hi"}),
                        path)
    data = json.loads(path.read_text(encoding="utf-8"))
    data["final_state"] = {"echo": "forged"}
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(mission.RecordError, match="edited after it was written"):
        mission.load_record(path)
    for hostile, words in (("[" * 100_000 + "]" * 100_000, "nested too deeply"),
                           ('{"format": 1, "format": 2}', 'the key "format" appears twice'),
                           ("[NaN]", "NaN is not a JSON number"), ("[]", "a JSON object")):
        path.write_text(hostile, encoding="utf-8")
        with pytest.raises(mission.RecordError, match=words):
            mission.load_record(path)
    path.write_bytes(b'{"format": "\xff"}')
    with pytest.raises(mission.RecordError, match="not a run record"):
        mission.load_record(path)


def test_mission_schema_prints_the_schema_and_its_path() -> None:
    done = run_cli("schema")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["$id"] == "urn:mission:schema:workflow:2"
    located = run_cli("schema", "--path")
    assert Path(located.stdout.strip()) == ROOT / "schemas" / "workflow.schema.json"


def test_the_neovim_setup_names_its_version_and_the_call_for_older_ones() -> None:
    editors = (ROOT / "docs" / "editors.md").read_text(encoding="utf-8")
    section = editors[editors.index("### Neovim"):editors.index("### Helix")]
    assert "Neovim 0.10 or later" in section and "vim.fs.root" in section
    older = section[section.index("On Neovim 0.8 and 0.9"):]
    assert "vim.fs.find" in older and "vim.fs.root" not in older.split("```lua", 1)[1]
