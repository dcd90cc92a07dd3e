"""Coverage-guided fuzzing of the compiler with atheris.

    pip install -e '.[fuzz]'          # atheris
    mkdir -p /tmp/mission-fuzz
    python fuzz/fuzz_compiler.py /tmp/mission-fuzz fuzz/corpus -max_total_time=300

(libFuzzer writes new inputs into the first directory, so the shipped seed
corpus in `fuzz/corpus` stays as it is.) Every input is compiled; the harness
fails, and atheris saves the crasher, if the compiler raises, returns a
diagnostic whose span lies outside the text, or emits a workflow that the
engine's own checks refuse or cannot run; and if the formatter raises
anything but `FormatError`, or formats to something that means another
mission. Recursion and time are bounded by the compiler's limits
(`compiler.limits`), so a `RecursionError` or a hang is a finding too.
Every crasher found becomes a file in `tests/fuzz/crashers/`, replayed by
the test suite.
"""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path

import atheris

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

with atheris.instrument_imports():
    from compiler import compile_source
    from compiler.format import FormatError, format_source
    from runtime.orchestration import ExecutionContext, Orchestrator
    from runtime.orchestration.model import AnswerError, ParameterError


def check_one(data: bytes) -> None:
    text = data.decode("utf-8", errors="replace")
    result = compile_source(text, "fuzz.mission")
    for diagnostic in result.diagnostics:
        if not 0 <= diagnostic.span.start <= diagnostic.span.end <= len(text):
            raise AssertionError(f"span {diagnostic.span} outside a text of {len(text)}")
    try:
        formatted = format_source(text, "fuzz.mission")
    except FormatError:
        pass
    else:
        if compile_source(formatted, "fuzz.mission").mission != result.mission:
            raise AssertionError("formatting changed what the mission means")
    if result.workflow is not None:
        Orchestrator().validate(result.workflow)
        human = {step.id: True for step in result.workflow.steps if step.kind == "human"}
        # Answers or params that do not fit are a refusal that names the problem.
        with contextlib.suppress(AnswerError, ParameterError):
            Orchestrator().run_workflow(result.workflow, ExecutionContext(answers=human))


def main() -> None:
    atheris.Setup(sys.argv, check_one)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
