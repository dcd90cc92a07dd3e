"""The local effect runner: does the I/O of `run_tests` on this machine, confined.

The engine never imports this module; the `mission` command (or a Python
caller) hands an instance to the engine in `ExecutionContext.effects`.

Defences, each tested in tests/runtime/test_local_effects.py:
- every path stays inside the project root (the current directory by
  default): a target outside it, a symlink escaping it (the target itself or
  anything under it), an option-looking target (`--foo`) or one pytest would
  read as an argument file (`@opts`) is refused;
- pytest runs as `[sys.executable, "-m", "pytest", ...]`, an argument list,
  never a shell, with `--` before the target, given as an absolute path;
- pytest reads only the project's own configuration: its rootdir, its
  configuration file (`-c`, the project's own or an empty one) and the
  directory above which no `conftest.py` is loaded are all pinned to the
  project, so a `pytest.ini` or `conftest.py` planted in a parent directory is
  never read;
- installed plugins are not autoloaded (`PYTEST_DISABLE_PLUGIN_AUTOLOAD=1`):
  a project opts in to each plugin it needs by naming it with `-p` in the
  `addopts` of its own pytest configuration;
- it runs in its own process group, which is killed whole at the timeout
  (and any process left behind after pytest exits is killed too);
- its output is capped (the last `output_limit` bytes are kept);
- its environment is reduced to `ENV_ALLOWLIST`.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import signal
import subprocess
import sys
import tempfile
import time
import tomllib
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable, Mapping
from fnmatch import fnmatch
from pathlib import Path
from typing import Any

from runtime.bounds import MAX_CONFIG_FILE_BYTES
from runtime.orchestration.effects import (
    DEFAULT_TIMEOUT,
    DISCOVER_TESTS,
    MAX_TIMEOUT,
    RUN_PYTEST,
)
from runtime.orchestration.model import EffectError
from runtime.reading import TooLarge, read_limited

ENV_ALLOWLIST = ("HOME", "LANG", "LC_ALL", "LC_CTYPE", "NO_COLOR", "PATH", "TERM", "TMPDIR",
                 "TZ", "VIRTUAL_ENV")
TEST_FILE_PATTERNS = ("test_*.py", "*_test.py")
OUTPUT_LIMIT = 16 * 1024
MAX_REPORT_BYTES = 64 * 1024 * 1024
_SKIPPED_DIRECTORIES = ("__pycache__", "node_modules")
# The files pytest takes its configuration from, in its order of precedence (pytest 9).
# The dedicated files count even when empty; the others only with a pytest section.
PYTEST_CONFIG_FILES = ("pytest.toml", ".pytest.toml", "pytest.ini", ".pytest.ini",
                       "pyproject.toml", "tox.ini", "setup.cfg")
_INI_SECTIONS = {"tox.ini": "[pytest]", "setup.cfg": "[tool:pytest]"}
# pytest (argparse) replaces any argument starting with this by the lines of the file it names.
_ARGUMENT_FILE_PREFIX = "@"
_DRAIN_SECONDS = 2.0


class LocalEffects:
    """An `EffectRunner` for `discover_tests` and `run_pytest`, confined to `root`."""

    def __init__(self, root: str | Path | None = None, *, output_limit: int = OUTPUT_LIMIT,
                 environment: Mapping[str, str] | None = None) -> None:
        self.root = Path(os.getcwd() if root is None else root).resolve(strict=True)
        self.output_limit = output_limit
        self.environment = allowed_environment(environment)
        self.environment["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
        self._handlers: dict[str, Callable[[Mapping[str, Any]], dict[str, Any]]] = {
            DISCOVER_TESTS: self.discover_tests,
            RUN_PYTEST: self.run_pytest,
        }

    def supports(self, effect: str) -> bool:
        return effect in self._handlers

    def run(self, effect: str, request: Mapping[str, Any]) -> Any:
        handler = self._handlers.get(effect)
        if handler is None:
            raise EffectError(f"the local effect runner does not provide '{effect}'")
        return handler(request)

    # -- confinement --------------------------------------------------------------

    def confine(self, target: Any) -> Path:
        """The target as a resolved path inside the project; anything else is refused."""
        if not isinstance(target, str) or not target or "\0" in target:
            raise EffectError(f"the target must name a directory or file in the project "
                              f"{self.root}, not {target!r}")
        if target.startswith("-"):
            raise EffectError(f"the target {target!r} looks like a command-line option; name a "
                              "directory or file in the project")
        _refuse_argument_file(target, target)
        candidate = Path(target) if os.path.isabs(target) else self.root / target
        if not _inside(Path(os.path.normpath(candidate)), self.root):
            raise EffectError(f"the target {target!r} is outside the project {self.root}")
        if not os.path.lexists(candidate):
            raise EffectError(f"the target {target!r} does not exist in the project {self.root}")
        resolved = candidate.resolve()
        if not _inside(resolved, self.root):
            raise EffectError(f"the target {target!r} leads through a symlink to {resolved}, "
                              f"outside the project {self.root}")
        _refuse_argument_file(target, self._relative(resolved))
        return resolved

    def pytest_config(self, scratch: Path) -> Path:
        """The configuration file pytest must read: the project's own, chosen in the project
        root only (as pytest would choose there), or an empty one in `scratch`."""
        for name in PYTEST_CONFIG_FILES:
            path = self.root / name
            if path.is_file() and _holds_pytest_config(path):
                if not _inside(path.resolve(), self.root):
                    raise EffectError(f"the pytest configuration `{name}` is a symlink to "
                                      f"{path.resolve()}, outside the project {self.root}")
                return path
        empty = scratch / "pytest.ini"
        empty.write_text("", encoding="utf-8")
        return empty

    def _relative(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix() or "."

    def test_files(self, target: Path) -> list[str]:
        """The test files under `target`, sorted; a symlink leaving the project is refused."""
        if target.is_file():
            return [self._relative(target)] if target.suffix == ".py" else []
        found: list[str] = []
        for directory, subdirectories, files in os.walk(target):
            here = Path(directory)
            subdirectories[:] = sorted(name for name in subdirectories
                                       if not name.startswith(".")
                                       and name not in _SKIPPED_DIRECTORIES)
            for name in [*subdirectories, *files]:
                entry = here / name
                if entry.is_symlink() and not _inside(entry.resolve(), self.root):
                    raise EffectError(f"`{self._relative(entry)}` is a symlink to "
                                      f"{entry.resolve()}, outside the project {self.root}")
            found.extend(self._relative(here / name) for name in files
                         if any(fnmatch(name, pattern) for pattern in TEST_FILE_PATTERNS))
        return sorted(found)

    # -- the effects ------------------------------------------------------------------

    def discover_tests(self, request: Mapping[str, Any]) -> dict[str, Any]:
        target = self.confine(request.get("target"))
        files = self.test_files(target)
        return {"count": len(files), "files": files, "target": self._relative(target)}

    def run_pytest(self, request: Mapping[str, Any]) -> dict[str, Any]:
        target = self.confine(request.get("target"))
        self.test_files(target)  # refuses a symlink escaping the project before pytest runs
        timeout = request.get("timeout", DEFAULT_TIMEOUT)
        if isinstance(timeout, bool) or not isinstance(timeout, int) \
                or not 1 <= timeout <= MAX_TIMEOUT:
            raise EffectError(f"the timeout must be a whole number of seconds from 1 to "
                              f"{MAX_TIMEOUT}, not {timeout!r}")
        relative = self._relative(target)
        with tempfile.TemporaryDirectory(prefix="mission-pytest-") as scratch:
            report = Path(scratch) / "junit.xml"
            config = self.pytest_config(Path(scratch))
            # Every value is absolute, so none starts with `@` or `-`.
            command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                       f"--rootdir={self.root}", f"--config-file={config}",
                       f"--confcutdir={self.root}", f"--junitxml={report}", "--", str(target)]
            exit_code, timed_out, output, truncated = self._execute(command, timeout)
            counts = _junit_counts(report)
        return {"exit_code": exit_code, "output": output, "output_truncated": truncated,
                "target": relative, "timed_out": timed_out, "timeout": timeout, **counts}

    def _execute(self, command: list[str], timeout: int) -> tuple[int | None, bool, str, bool]:
        return execute_bounded(command, self.root, self.environment, timeout, self.output_limit)


def allowed_environment(environment: Mapping[str, str] | None = None) -> dict[str, str]:
    """The variables of `environment` (this process's when None) that a child may see:
    those in `ENV_ALLOWLIST`, so no secret of the caller's reaches an effect."""
    source = os.environ if environment is None else environment
    return {name: source[name] for name in ENV_ALLOWLIST if name in source}


def execute_bounded(command: list[str], cwd: Path, environment: Mapping[str, str],
                    timeout: float, output_limit: int,
                    memory: int = 0) -> tuple[int | None, bool, str, bool]:
    """Run `command` in its own process group, killed whole at `timeout` (and whatever it
    left behind once it exits); (exit code or None when timed out, timed out, the last
    `output_limit` bytes of its output, whether more was cut). Also `runtime.user_code`.

    The group's leader is `runtime/child_guard.py`, which kills the group when this
    process dies (so no child outlives a killed `mission`), and limits the command's
    address space to `memory` bytes when given."""
    guarded = [sys.executable, "-I", "-S", str(Path(__file__).with_name("child_guard.py")),
               str(os.getpid()), str(memory), "--", *command]
    process = subprocess.Popen(guarded, cwd=cwd, env=dict(environment),
                               stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, start_new_session=True)
    assert process.stdout is not None
    tail = bytearray()
    total = 0
    timed_out = False
    stopped = False
    deadline = time.monotonic() + timeout
    # After the group is killed, output still open (a process that left the group) is
    # read for at most this long.
    drain_deadline = deadline + _DRAIN_SECONDS
    descriptor = process.stdout.fileno()
    with selectors.DefaultSelector() as selector:
        selector.register(descriptor, selectors.EVENT_READ)
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0 and not stopped:
                timed_out = stopped = True
                _kill_group(process.pid)
            if stopped and time.monotonic() > drain_deadline:
                break
            if selector.select(timeout=0.1 if stopped else min(remaining, 0.1)):
                chunk = os.read(descriptor, 65536)
                if not chunk:
                    break
                total += len(chunk)
                tail += chunk
                del tail[:-output_limit]
            elif process.poll() is not None and not stopped:
                # the command exited but something it started still holds the output open.
                stopped = True
                drain_deadline = time.monotonic() + _DRAIN_SECONDS
                _kill_group(process.pid)
    process.stdout.close()
    exit_code = process.wait()
    _kill_group(process.pid)
    output = tail.decode("utf-8", errors="replace")
    return (None if timed_out else exit_code), timed_out, output, total > len(tail)


def _refuse_argument_file(target: str, argument: str) -> None:
    if argument.startswith(_ARGUMENT_FILE_PREFIX):
        raise EffectError(f"the target {target!r} starts with `@`: pytest would read it as an "
                          "argument file (options and paths from another file); rename it, or "
                          "name the directory that holds it")


def _holds_pytest_config(path: Path) -> bool:
    """Whether pytest takes its configuration from `path` (a file in `PYTEST_CONFIG_FILES`).

    A file that cannot be read or parsed counts, so that pytest reports what is wrong with it
    instead of a configuration further up being used."""
    if path.name not in ("pyproject.toml", *_INI_SECTIONS):
        return True
    try:
        text = read_limited(path, MAX_CONFIG_FILE_BYTES).decode("utf-8")
        if path.name == "pyproject.toml":
            tool = tomllib.loads(text).get("tool")
            return isinstance(tool, dict) and "pytest" in tool
    except (OSError, UnicodeDecodeError, TooLarge, tomllib.TOMLDecodeError):
        return True
    return any(line.strip() == _INI_SECTIONS[path.name] for line in text.splitlines())


def _inside(path: Path, root: Path) -> bool:
    return path == root or path.is_relative_to(root)


def _kill_group(group: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(group, signal.SIGKILL)


def _junit_counts(report: Path) -> dict[str, int]:
    """passed/failed/errors/skipped from pytest's JUnit XML report (zeros without one)."""
    counts = {"errors": 0, "failed": 0, "passed": 0, "skipped": 0}
    try:
        root = ElementTree.fromstring(read_limited(report, MAX_REPORT_BYTES))
        suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
        tests = sum(int(suite.get("tests", 0)) for suite in suites)
        for key, attribute in (("failed", "failures"), ("errors", "errors"),
                               ("skipped", "skipped")):
            counts[key] = sum(int(suite.get(attribute, 0)) for suite in suites)
    except (OSError, TooLarge, ElementTree.ParseError, ValueError):
        return {key: 0 for key in counts}
    counts["passed"] = max(0, tests - counts["failed"] - counts["errors"] - counts["skipped"])
    return counts
