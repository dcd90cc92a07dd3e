"""The pytest plugin: `pytest` collects mission test files (`*_test.mission`) as test items.

Registered through the `pytest11` entry point, so a project that already runs pytest gets
its mission tests in the same run, report and exit code, with pytest's own selection
(`-k`, node ids `path/x_test.mission::NAME`), `-x` and plugins (JUnit XML, xdist). Each case
is an item; a test file with errors is one item that fails with them; each receipt a
`replay` line names is an item too. A failure reads as `mission test` prints it. Only the
files under the paths pytest is given (its `testpaths`) are collected, and a directory's
`conftest.py` can leave some out (`collect_ignore_glob = ["*_test.mission"]`), as for any
other test file.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mission.testing.loading import Loaded
from mission.testing.results import CaseResult

SUFFIX = "_test.mission"


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if file_path.name.endswith(SUFFIX):
        return MissionTestFile.from_parent(parent, path=file_path)
    return None


class MissionTestFailure(Exception):
    """A case whose expectations do not hold (the report is `MissionItem.repr_failure`)."""


class MissionTestFile(pytest.File):
    """A test file: an item per case and per replayed receipt."""

    def collect(self) -> Iterator[pytest.Item]:
        from mission.testing.loading import load

        loaded = load(_shown(self.path))
        if loaded.source is None or loaded.errors:
            yield BrokenFileItem.from_parent(self, name=self.path.name, loaded=loaded)
            return
        for case in loaded.tree.cases:
            yield MissionItem.from_parent(self, name=str(case.name.value), loaded=loaded,
                                          case=case)
        from compiler.testfile.paths import receipt_paths

        for replay in loaded.tree.replays:
            for path in receipt_paths(loaded.path, str(replay.path.value)):
                name = f"replay {os.path.relpath(path, os.path.dirname(loaded.path) or '.')}"
                yield ReplayItem.from_parent(self, name=name, loaded=loaded, receipt=path,
                                             span=replay.path.span)


def _shown(path: Path) -> str:
    """A path as `mission test` shows it: relative to the current directory when inside."""
    relative = os.path.relpath(path)
    return str(path) if relative.startswith("..") else relative


class _Item(pytest.Item):
    loaded: Loaded
    result: CaseResult | None = None

    def _check(self, result: CaseResult) -> None:
        self.result = result
        if result.failures:
            raise MissionTestFailure(result.failures[0].message)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException],
                     style: Any = None) -> str:
        if not isinstance(excinfo.value, MissionTestFailure) or self.result is None:
            return str(super().repr_failure(excinfo))
        from mission.testing.report import render_failure

        assert self.loaded.source is not None
        return "\n\n".join(render_failure(failure, self.loaded.source)
                           for failure in self.result.failures)

    def reportinfo(self) -> tuple[Path, int | None, str]:
        # Not the node id's tail: pytest would write each `.` of it as `::`.
        return self.path, None, f"mission test: {self.nodeid}"


class MissionItem(_Item):
    """One case of a test file."""

    def __init__(self, *, loaded: Loaded, case: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.loaded = loaded
        self.case = case

    def runtest(self) -> None:
        from mission.testing.timeline import run_case

        self._check(run_case(self.loaded, self.case))

    def reportinfo(self) -> tuple[Path, int | None, str]:
        assert self.loaded.source is not None
        line = self.loaded.source.location(self.case.span.start)[0]
        return self.path, line - 1, f"mission test: {self.nodeid}"


class ReplayItem(_Item):
    """A receipt a `replay` line names, replayed on the mission as it is now."""

    def __init__(self, *, loaded: Loaded, receipt: str, span: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.loaded = loaded
        self.receipt = receipt
        self.span = span

    def runtest(self) -> None:
        from mission.testing.replay import replay_receipt

        self._check(replay_receipt(self.loaded.workflow, self.receipt, self.name, self.span))


class BrokenFileItem(_Item):
    """A test file that cannot run: its errors, as `mission check` shows them."""

    def __init__(self, *, loaded: Loaded, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.loaded = loaded

    def runtest(self) -> None:
        raise MissionTestFailure(self.loaded.problem or "the test file has errors")

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException],
                     style: Any = None) -> str:
        loaded = self.loaded
        if loaded.source is None:
            return f"{loaded.path}: cannot read it: {loaded.problem}"
        from compiler.render import render

        return "\n\n".join(render(diagnostic, loaded.source) for diagnostic in loaded.errors)
