"""mission: compile `.mission` text, run the workflow, keep and verify its record.

The public Python API, for a program that embeds missions:

    import mission

    compiled = mission.compile_source(text)        # never raises on bad text
    if not compiled.ok: ...                         # compiled.diagnostics say why
    result = mission.run(compiled.workflow, params={...}, state={...}, answers={...})
    record = mission.record_of(compiled.workflow, result, params=..., state=...)
    mission.save_record(record, "run.json")         # the receipt file `--receipt` writes
    problems = mission.verify(mission.load_record("run.json"), compiled.workflow)

Each name is imported on first use (a module `__getattr__`), so that `mission
--help`, which imports this package, stays fast and `mission run
compiled.json` never imports `lark`. The `mission` command is `mission.cli`;
its subcommand modules are imported only when run.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from compiler import CompileResult, compile_file, compile_source
    from mission.api import load_record, record_of, run, save_record
    from runtime.orchestration.model import (
        ExecutionContext,
        OrchestrationResult,
        WorkflowDefinition,
    )
    from runtime.records import RecordError, RunRecord
    from runtime.verify import Mismatch, verify

# Each public name -> the module that defines it.
_EXPORTS = {
    "CompileResult": "compiler",
    "ExecutionContext": "runtime.orchestration.model",
    "Mismatch": "runtime.verify",
    "OrchestrationResult": "runtime.orchestration.model",
    "RecordError": "runtime.records",
    "RunRecord": "runtime.records",
    "WorkflowDefinition": "runtime.orchestration.model",
    "compile_file": "compiler",
    "compile_source": "compiler",
    "load_record": "mission.api",
    "record_of": "mission.api",
    "run": "mission.api",
    "save_record": "mission.api",
    "verify": "runtime.verify",
}

__all__ = [
    "CompileResult",
    "ExecutionContext",
    "Mismatch",
    "OrchestrationResult",
    "RecordError",
    "RunRecord",
    "WorkflowDefinition",
    "compile_file",
    "compile_source",
    "load_record",
    "record_of",
    "run",
    "save_record",
    "verify",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # found directly next time
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
