"""The local effect runner really runs pytest, confined: each defence is tried here."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest

from runtime.local_effects import LocalEffects
from runtime.orchestration import ExecutionContext
from runtime.orchestration.model import EffectError
from runtime.orchestration.registry import run_mission


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A tiny project: passing, failing, skipped and erroring tests, and a directory whose
    name would run a command if it ever reached a shell."""
    root = tmp_path / "project"
    write(root / "tests" / "test_mixed.py", """
        import os
        import pytest

        def test_passes():
            assert 1 + 1 == 2

        def test_environment_is_reduced():
            assert "MISSION_TEST_SECRET" not in os.environ
            assert "PATH" in os.environ

        def test_fails_loudly():
            os.write(1, b"x" * 200_000)
            assert False, "expected failure"

        @pytest.mark.skip(reason="not today")
        def test_skipped():
            pass

        @pytest.fixture
        def broken():
            raise RuntimeError("fixture error")

        def test_errors(broken):
            pass
    """)
    write(root / "tests" / "helpers.py", "VALUE = 1\n")
    write(root / "tests" / "unit" / "check_test.py", "def test_inner():\n    pass\n")
    write(root / "t;touch PWNED" / "test_odd.py", "def test_odd():\n    pass\n")
    return root


def test_discover_counts_test_files(project: Path) -> None:
    runner = LocalEffects(project)
    assert runner.run("discover_tests", {"target": "tests"}) == {
        "count": 2, "files": ["tests/test_mixed.py", "tests/unit/check_test.py"],
        "target": "tests"}
    assert runner.run("discover_tests", {"target": "tests/unit/check_test.py"})["count"] == 1
    assert runner.run("discover_tests", {"target": str(project / "tests" / "unit")})["target"] \
        == "tests/unit"


def test_run_pytest_counts_and_caps_the_output(project: Path) -> None:
    environment = {**os.environ, "MISSION_TEST_SECRET": "s3cret"}
    runner = LocalEffects(project, output_limit=4096, environment=environment)
    result = runner.run("run_pytest", {"target": "tests", "timeout": 120})
    assert {key: result[key] for key in ("passed", "failed", "errors", "skipped")} == \
        {"passed": 3, "failed": 1, "errors": 1, "skipped": 1}, result["output"]
    assert result["exit_code"] == 1 and result["timed_out"] is False
    assert result["output_truncated"] is True and len(result["output"].encode()) <= 4096
    assert "short test summary" in result["output"]  # the tail is kept


def test_a_target_with_shell_characters_is_only_ever_an_argument(project: Path) -> None:
    result = LocalEffects(project).run("run_pytest", {"target": "t;touch PWNED", "timeout": 120})
    assert (result["passed"], result["exit_code"]) == (1, 0), result["output"]
    assert not (project / "PWNED").exists() and not Path("PWNED").exists()


@pytest.mark.parametrize(("target", "words"), [
    ("../outside", "is outside the project"),
    ("/etc", "is outside the project"),
    ("tests/../../outside", "is outside the project"),
    ("--collect-only", "looks like a command-line option"),
    ("-k", "looks like a command-line option"),
    ("missing", "does not exist in the project"),
    ("a\0b", "must name a directory or file in the project"),
    ("", "must name a directory or file in the project"),
])
def test_targets_outside_or_odd_are_refused(project: Path, target: str, words: str) -> None:
    (project.parent / "outside").mkdir()
    runner = LocalEffects(project)
    for effect in ("discover_tests", "run_pytest"):
        with pytest.raises(EffectError) as raised:
            runner.run(effect, {"target": target, "timeout": 60})
        assert words in str(raised.value)


def test_symlinks_escaping_the_project_are_refused(project: Path) -> None:
    outside = project.parent / "outside"
    write(outside / "test_outside.py", f"""
        def test_outside():
            open({str(outside / "RAN")!r}, "w").close()
    """)
    (project / "linked").symlink_to(outside, target_is_directory=True)
    (project / "tests" / "evil").symlink_to(outside, target_is_directory=True)
    (project / "tests" / "test_link.py").symlink_to(outside / "test_outside.py")
    runner = LocalEffects(project)
    for effect in ("discover_tests", "run_pytest"):
        with pytest.raises(EffectError, match=r"'linked' leads through a symlink to .*outside, "
                                              r"outside the project"):
            runner.run(effect, {"target": "linked"})
        with pytest.raises(EffectError, match=r"`tests/evil` is a symlink to .*outside"):
            runner.run(effect, {"target": "tests"})
    assert not (outside / "RAN").exists()
    (project / "tests" / "evil").unlink()
    with pytest.raises(EffectError, match=r"`tests/test_link.py` is a symlink to"):
        runner.run("run_pytest", {"target": "tests"})
    assert not (outside / "RAN").exists()


def test_a_symlink_that_stays_inside_is_fine(project: Path) -> None:
    (project / "alias").symlink_to(project / "tests" / "unit", target_is_directory=True)
    assert LocalEffects(project).run("discover_tests", {"target": "alias"}) == \
        {"count": 1, "files": ["tests/unit/check_test.py"], "target": "tests/unit"}


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state not in ("Z", "X")


def test_the_timeout_kills_the_whole_process_group(tmp_path: Path) -> None:
    pid_file = tmp_path / "grandchild.pid"
    write(tmp_path / "tests" / "test_slow.py", f"""
        import subprocess, sys, time

        def test_hangs():
            child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
            open({str(pid_file)!r}, "w").write(str(child.pid))
            time.sleep(120)
    """)
    result = LocalEffects(tmp_path).run("run_pytest", {"target": "tests", "timeout": 3})
    assert result["timed_out"] is True and result["exit_code"] is None
    grandchild = int(pid_file.read_text())
    assert not _alive(grandchild)


def test_requests_the_runner_does_not_provide_are_refused(project: Path) -> None:
    runner = LocalEffects(project)
    assert not runner.supports("shell")
    with pytest.raises(EffectError, match="does not provide 'shell'"):
        runner.run("shell", {})
    with pytest.raises(EffectError, match="timeout must be a whole number of seconds"):
        runner.run("run_pytest", {"target": "tests", "timeout": 0})


def test_run_tests_mission_really_runs_the_suite(project: Path) -> None:
    (project / "tests" / "test_mixed.py").unlink()
    context = ExecutionContext(effects=LocalEffects(project))
    result = run_mission("run_tests", context, {"timeout": 120})
    assert result.success, result.error_message
    assert result.final_state["report"] == {
        "errors": 0, "exit_code": 0, "failed": 0, "outcome": "passed", "passed": 1,
        "skipped": 0, "summary": "1 passed under `tests`", "target": "tests", "test_files": 1}
    replay = run_mission("run_tests", ExecutionContext(journal=result.journal), {"timeout": 120})
    assert replay.receipt == result.receipt


def test_pytest_runs_in_the_project_whatever_the_callers_directory(
        project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen = project / "cwd.txt"
    write(project / "probe" / "test_where.py", f"""
        import os

        def test_where():
            open({str(seen)!r}, "w").write(os.getcwd())
    """)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    result = LocalEffects(project).run("run_pytest", {"target": "probe", "timeout": 120})
    assert result["passed"] == 1, result["output"]
    assert Path(seen.read_text()) == project.resolve()
    assert not list(elsewhere.iterdir())


# -- what pytest reads besides its arguments: argument files, configuration, plugins ------------

def _outside_test(outside: Path) -> Path:
    """A test outside the project that leaves a file behind if it ever runs."""
    write(outside / "test_outside.py", f"""
        def test_outside():
            open({str(outside / "RAN")!r}, "w").close()
    """)
    return outside / "test_outside.py"


@pytest.mark.parametrize("target", ["@opts", "./@opts", "tests/../@opts"])
def test_a_pytest_argument_file_is_never_read(project: Path, target: str) -> None:
    # pytest reads `@file` arguments even after `--`: `@opts` would make it read `opts`, which
    # names a test outside the project and smuggles options in.
    outside_test = _outside_test(project.parent / "outside")
    (project / "@opts").write_text("", encoding="utf-8")
    (project / "opts").write_text(f"{outside_test}\n--rootdir={outside_test.parent}\n",
                                  encoding="utf-8")
    runner = LocalEffects(project)
    for effect in ("discover_tests", "run_pytest"):
        with pytest.raises(EffectError, match="pytest would read it as an argument file"):
            runner.run(effect, {"target": target, "timeout": 60})
    assert not (project.parent / "outside" / "RAN").exists()


def test_a_directory_starting_with_at_is_still_tested_from_its_parent(project: Path) -> None:
    write(project / "suite" / "@group" / "test_at.py", "def test_at():\n    pass\n")
    result = LocalEffects(project).run("run_pytest", {"target": "suite", "timeout": 120})
    assert (result["passed"], result["exit_code"]) == (1, 0), result["output"]


_PLANTED_CONFIGS = {
    "pytest.ini": "[pytest]\naddopts = -p no:terminal\n",
    "pytest.toml": "[pytest]\n",
    "tox.ini": "[pytest]\nminversion = 1\n",
    "setup.cfg": "[tool:pytest]\nminversion = 1\n",
    "pyproject.toml": "[tool.pytest.ini_options]\nminversion = '1'\n",
}


@pytest.mark.parametrize("planted", sorted(_PLANTED_CONFIGS))
@pytest.mark.parametrize("own", [None, "pyproject.toml"])
def test_a_configuration_planted_above_the_project_is_ignored(
        tmp_path: Path, planted: str, own: str | None) -> None:
    # A pytest configuration in a parent directory would become pytest's rootdir, and the
    # conftest.py beside it would run, with or without a pyproject.toml of the project's own
    # that holds no pytest section.
    above = tmp_path / "shared"
    write(above / planted, _PLANTED_CONFIGS[planted])
    write(above / "conftest.py", f"open({str(above / 'PWNED')!r}, 'w').close()\n")
    root = above / "project"
    write(root / "tests" / "test_ok.py", "def test_ok():\n    pass\n")
    if own:
        write(root / own, "[project]\nname = 'demo'\n")
    result = LocalEffects(root).run("run_pytest", {"target": "tests", "timeout": 120})
    assert (result["passed"], result["exit_code"]) == (1, 0), result["output"]
    assert not (above / "PWNED").exists()


@pytest.mark.parametrize(("name", "text"), [
    ("pytest.ini", "[pytest]\npython_files = check_*.py\n"),
    ("pyproject.toml", "[tool.pytest.ini_options]\npython_files = ['check_*.py']\n"),
    ("tox.ini", "[tox]\n\n[pytest]\npython_files = check_*.py\n"),
    ("setup.cfg", "[metadata]\nname = demo\n\n[tool:pytest]\npython_files = check_*.py\n"),
])
def test_the_projects_own_configuration_and_conftest_are_used(
        tmp_path: Path, name: str, text: str) -> None:
    root = tmp_path / "project"
    write(root / name, text)
    write(root / "conftest.py", "import pytest\n\n@pytest.fixture\ndef answer():\n    return 42\n")
    write(root / "tests" / "check_answer.py", "def test_answer(answer):\n    assert answer == 42\n")
    write(above := tmp_path / "pytest.ini", "[pytest]\npython_files = nothing_*.py\n")
    assert above.exists()
    result = LocalEffects(root).run("run_pytest", {"target": "tests", "timeout": 120})
    assert (result["passed"], result["exit_code"]) == (1, 0), result["output"]


def _plant_plugin(root: Path, marker: Path) -> None:
    """An installed pytest plugin (a distribution with a `pytest11` entry point) that leaves
    `marker` behind when pytest loads it; it is found because the project is on sys.path."""
    info = root / "planted_plugin-1.0.dist-info"
    write(info / "METADATA", "Metadata-Version: 2.1\nName: planted-plugin\nVersion: 1.0\n")
    write(info / "entry_points.txt", "[pytest11]\nplanted = planted_plugin\n")
    write(root / "planted_plugin.py", f"open({str(marker)!r}, 'w').close()\n")


def test_installed_plugins_are_not_autoloaded(tmp_path: Path) -> None:
    root = tmp_path / "project"
    write(root / "tests" / "test_ok.py", "def test_ok():\n    pass\n")
    marker = tmp_path / "PLUGIN_LOADED"
    _plant_plugin(root, marker)
    environment = {**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": ""}
    result = LocalEffects(root, environment=environment).run(
        "run_pytest", {"target": "tests", "timeout": 120})
    assert (result["passed"], result["exit_code"]) == (1, 0), result["output"]
    assert not marker.exists()


def test_a_project_opts_in_to_a_plugin_by_naming_it_in_its_configuration(
        tmp_path: Path) -> None:
    root = tmp_path / "project"
    write(root / "tests" / "test_ok.py", "def test_ok():\n    pass\n")
    write(root / "pytest.ini", "[pytest]\naddopts = -p planted\n")
    marker = tmp_path / "PLUGIN_LOADED"
    _plant_plugin(root, marker)
    result = LocalEffects(root).run("run_pytest", {"target": "tests", "timeout": 120})
    assert (result["passed"], result["exit_code"]) == (1, 0), result["output"]
    assert marker.exists()


def test_a_configuration_symlinked_from_outside_the_project_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "project"
    write(root / "tests" / "test_ok.py", "def test_ok():\n    pass\n")
    write(tmp_path / "elsewhere.ini", "[pytest]\naddopts = --rootdir=/\n")
    (root / "pytest.ini").symlink_to(tmp_path / "elsewhere.ini")
    with pytest.raises(EffectError, match=r"`pytest.ini` is a symlink to .*elsewhere.ini, "
                                          r"outside the project"):
        LocalEffects(root).run("run_pytest", {"target": "tests", "timeout": 60})
