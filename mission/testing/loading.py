"""A test file read, checked (`compiler.testfile`) and made ready to run its cases."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING

from compiler.diagnostics import Diagnostic, Severity
from compiler.source import SourceFile

if TYPE_CHECKING:
    from compiler import CompileResult
    from compiler.config import Config
    from compiler.result import Tested
    from compiler.testfile.nodes import TestFile
    from runtime.orchestration.model import WorkflowDefinition
    from runtime.orchestration.plans import Plan


@dataclass(frozen=True, slots=True)
class Loaded:
    """A test file: its text, what checking it found, and the mission it tests (with its
    plan, prepared once for all the runs of all its cases, when it has no errors)."""

    path: str
    source: SourceFile | None
    result: CompileResult | None
    config: Config
    problem: str = ""  # it could not be read
    plan: Plan | None = None

    @property
    def errors(self) -> tuple[Diagnostic, ...]:
        """What keeps its cases from running: its errors (a file that is not a test file is
        one too)."""
        if self.result is None:
            return ()
        errors = self.result.errors
        if not errors and self.result.tests is None and self.source is not None:
            from compiler.ast import Span

            return (Diagnostic("E060", Severity.ERROR, "this is a mission, not a test file",
                               Span(0, 0), "a test file starts with `tests \"MISSION\" {`",
                               help=("`mission test` runs test files: `tests \"x.mission\" "
                                     "{ test \"...\" { ... } }` (docs/testing.md)",)),)
        return errors

    @property
    def tree(self) -> TestFile:
        assert self.result is not None and self.result.tests is not None
        return self.result.tests.tree

    @property
    def tested(self) -> Tested:
        assert self.result is not None and self.result.tests is not None
        return self.result.tests.tested

    @property
    def workflow(self) -> WorkflowDefinition:
        workflow = self.tested.workflow
        assert workflow is not None
        return workflow


def load(path: str, config: Config | None = None) -> Loaded:
    """Read and check the test file at `path`, under the configuration found for it (as
    `mission check` does) unless `config` is given."""
    from compiler.config import ConfigError, config_for
    from compiler.pipeline import compile_source
    from runtime.reading import TooLarge, describe_problem, read_limited

    if config is None:
        try:
            config = config_for(path)
        except ConfigError as problem:
            return Loaded(path, None, None, _default(), str(problem))
    try:
        text = read_limited(path, config.limits.max_file_size).decode("utf-8")
    except TooLarge:
        return Loaded(path, None, None, config, f"larger than {config.limits.max_file_size:,} "
                      "bytes, the limit `max-file-size`")
    except (OSError, UnicodeDecodeError) as error:
        return Loaded(path, None, None, config, describe_problem(error))
    loaded = Loaded(path, SourceFile(path, text), compile_source(text, path, config=config),
                    config)
    if loaded.errors:
        return loaded
    from runtime.orchestration.engine import Orchestrator

    return dataclasses.replace(loaded, plan=Orchestrator().prepare(loaded.workflow))


def _default() -> Config:
    from compiler.config import DEFAULT

    return DEFAULT
