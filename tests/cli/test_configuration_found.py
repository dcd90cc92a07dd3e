"""One way to find the configuration (issue 22, item 6; issue 20, item 2): every command
that starts from a mission file finds it from the file, a run records the one it started
with (path and sha256), and `resume`, `verify` and `store import` bind with that one,
wherever they are run from."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

from runtime.records import RunRecord
from runtime.store import RunStore
from tests.conftest import ROOT, run_cli

EXAMPLE = ROOT / "examples" / "custom_ops"


@pytest.fixture
def parent(tmp_path: Path) -> Path:
    """A directory holding the example project as `t4/`, and an unrelated `elsewhere/`."""
    shutil.copytree(EXAMPLE, tmp_path / "t4", ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "elsewhere").mkdir()
    return tmp_path


def test_run_from_a_parent_directory_reads_the_missions_own_configuration(
        parent: Path) -> None:
    store = str(parent / "runs.sqlite3")
    for command in ("check", "compile", "graph"):
        done = run_cli(command, "t4/publish_note.mission", cwd=parent)
        assert done.returncode == 0, (command, done.stdout + done.stderr)
    waiting = run_cli("run", "t4/publish_note.mission", "--param", "title=Hello World",
                      "--store", store, cwd=parent)
    assert waiting.returncode == 3, waiting.stderr
    with RunStore(store) as opened:
        record = opened.load(1).record
    configuration = parent / "t4" / "mission.toml"
    assert record.configuration == {
        "path": str(configuration.resolve()),
        "sha256": hashlib.sha256(configuration.read_bytes()).hexdigest()}

    # Resumed, verified and moved from a directory with no configuration at all.
    elsewhere = parent / "elsewhere"
    resumed = run_cli("resume", "1", "--answer", "approve=yes", "--store", store,
                      "--receipt", "receipt.json", cwd=elsewhere)
    assert resumed.returncode == 0, resumed.stderr
    assert (parent / "t4" / "notes" / "hello-world.md").read_text(encoding="utf-8") == \
        "# Hello World\n"
    verified = run_cli("verify", "1", "--store", store, cwd=elsewhere)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    compiled = run_cli("compile", str(parent / "t4" / "publish_note.mission"), "-o",
                       "note.json", cwd=elsewhere)
    assert compiled.returncode == 0, compiled.stderr
    receipt = run_cli("verify", "receipt.json", "--workflow", "note.json", cwd=elsewhere)
    assert receipt.returncode == 0, receipt.stdout + receipt.stderr
    exported = run_cli("store", "export", "--store", store, "-o", "runs.jsonl", cwd=elsewhere)
    assert exported.returncode == 0, exported.stderr
    imported = run_cli("store", "import", "runs.jsonl", "--store", "copy.sqlite3",
                       cwd=elsewhere)
    assert imported.returncode == 0, imported.stderr
    assert "1 run imported" in imported.stderr


def test_a_changed_or_missing_configuration_is_said_plainly(parent: Path) -> None:
    store = str(parent / "runs.sqlite3")
    assert run_cli("run", "t4/publish_note.mission", "--param", "title=Hi", "--store", store,
                   cwd=parent).returncode == 3
    configuration = parent / "t4" / "mission.toml"
    text = configuration.read_text(encoding="utf-8")
    configuration.write_text(text.replace("timeout = 10", "timeout = 20"), encoding="utf-8")
    changed = run_cli("resume", "1", "--answer", "approve=yes", "--store", store,
                      cwd=parent / "elsewhere")
    assert changed.returncode == 4
    assert "otherwise than" in changed.stderr and "compile the mission again" in changed.stderr
    assert f"(the configuration {configuration.resolve()} changed since this run started: " \
           "its sha256 was" in changed.stderr
    configuration.unlink()
    gone = run_cli("store", "export", "--store", store, "-o", "runs.jsonl",
                   cwd=parent / "elsewhere")
    assert gone.returncode == 0
    imported = run_cli("store", "import", "runs.jsonl", "--store", "copy.sqlite3",
                       cwd=parent / "elsewhere")
    assert imported.returncode == 1
    assert (f"run 1 calls project operations, and their code cannot be run here, so it cannot "
            f"be verified: this run was started with the configuration "
            f"{configuration.resolve()}, which cannot be read now") in imported.stderr
    assert "Traceback" not in imported.stderr and "ExecutionContext" not in imported.stderr


def test_an_unknown_operation_says_which_configuration_was_read(parent: Path) -> None:
    mission = parent / "t4" / "publish_note.mission"
    mission.write_text(mission.read_text(encoding="utf-8").replace("slugify(", "slugifyy("),
                       encoding="utf-8")
    done = run_cli("run", "t4/publish_note.mission", "--param", "title=x", cwd=parent)
    assert done.returncode == 2
    assert "help: did you mean `slugify`?" in done.stderr
    assert (f"help: the project's operations are those of "
            f"{(parent / 't4' / 'mission.toml').resolve()}, the configuration found for this "
            "file: `slugify`, `write_note`") in done.stderr
    (parent / "t4" / "mission.toml").unlink()
    bare = run_cli("run", "t4/publish_note.mission", "--param", "title=x", cwd=parent)
    assert "help: no configuration file was found for this file (a project's operations are " \
           "declared in a mission.toml in its directory or above)" in bare.stderr


def test_a_file_outside_the_project_checks_with_its_own_configuration(parent: Path) -> None:
    """`check` from inside a project, of a mission outside it with no configuration of its
    own, uses the defaults (as `run` does), not the project's rules."""
    (parent / "elsewhere" / "mission.toml").write_text('select = ["N301"]\n', encoding="utf-8")
    outside = parent / "loose.mission"
    outside.write_text(
        'mission loose "Loose" {\n    version 1\n    param unused: str = ""\n'
        '    runtime a "A" { set(at: state.x, value: 1) }\n}\n', encoding="utf-8")
    for where in (parent / "elsewhere", parent):
        done = run_cli("check", str(outside), "--no-cache", cwd=where)
        assert "warning[W201]: the param `unused` is never read" in done.stdout, where


def test_files_under_another_configuration_are_cached_too(parent: Path) -> None:
    """A tree outside the project (the defaults) and a nested project (its own
    configuration) are checked under their own configurations, and cached under them: the
    second check reads every file from the cache, with the same findings."""
    (parent / "elsewhere" / "mission.toml").write_text('select = ["N301"]\n', encoding="utf-8")
    mission = ('mission m{} "M" {{\n    version 1\n    param unused: str = ""\n'
               '    runtime a "A" {{ set(at: state.x, value: 1) }}\n}}\n')
    loose, inner = parent / "loose", parent / "inner"
    loose.mkdir()
    for number in range(70):
        (loose / f"m{number}.mission").write_text(mission.format(number), encoding="utf-8")
    inner.mkdir()
    (inner / "mission.toml").write_text('ignore = ["W201"]\n', encoding="utf-8")
    (inner / "quiet.mission").write_text(mission.format("quiet"), encoding="utf-8")
    check = ("check", str(loose), str(inner), "--jobs", "2")
    env = {"XDG_CACHE_HOME": str(parent / "cache")}
    first = run_cli(*check, cwd=parent / "elsewhere", env=env)
    second = run_cli(*check, cwd=parent / "elsewhere", env=env)
    assert first.stdout.count("warning[W201]: the param `unused` is never read") == 70
    assert "quiet.mission" not in first.stdout
    assert "Checked 71 files in " in first.stdout and "from the cache" not in first.stdout
    assert "(71 unchanged, from the cache)" in second.stdout, second.stdout
    assert second.stdout.split("\nChecked ")[0] == first.stdout.split("\nChecked ")[0]


def test_a_record_names_its_configuration_or_none() -> None:
    minimal = {"format": "mission-run/2", "mission": "m", "workflow_hash": "0" * 64,
               "params": None, "initial_state": {}, "answers": {}, "journal": {},
               "status": "succeeded", "waiting_step_id": None, "question": None,
               "failed_step_id": None, "error_message": None, "final_state": {},
               "receipt": {}}
    assert RunRecord.from_json(minimal).configuration is None  # an older record
    none_found = {"path": None, "sha256": None}
    assert RunRecord.from_json({**minimal, "configuration": none_found}).configuration == \
        none_found
    from runtime.records import RecordError

    with pytest.raises(RecordError, match="`configuration` must be"):
        RunRecord.from_json({**minimal, "configuration": {"path": 1, "sha256": None}})
