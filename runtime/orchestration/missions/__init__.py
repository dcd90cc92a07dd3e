"""The built-in missions, each defined by a `.mission` file shipped here.

This is one of the two places (with the CLI) that join runtime and compiler:
a built-in is compiled on first use (the compiler is imported then, not
before) and the result is kept for the life of the process.
"""

from __future__ import annotations

import copy
import functools
import os

from runtime.orchestration.model import WorkflowDefinition

BUILTIN_MISSIONS: tuple[str, ...] = ("daily_loop", "echo", "run_tests")


class BuiltinMissionError(Exception):
    """A shipped mission failed to compile: a bug in this package, reported plainly."""


def source_text(name: str) -> str:
    # A plain read beside this file: `importlib.resources` costs ~4 ms of start-up to import.
    with open(os.path.join(os.path.dirname(__file__), f"{name}.mission"), encoding="utf-8") as file:
        return file.read()


@functools.cache
def _compiled(name: str) -> WorkflowDefinition:
    from compiler import compile_source

    result = compile_source(source_text(name), f"<builtin>/{name}.mission")
    if result.workflow is None:
        problems = "; ".join(d.message for d in result.errors)
        raise BuiltinMissionError(f"built-in mission '{name}' does not compile: {problems}")
    return result.workflow


def load(name: str) -> WorkflowDefinition:
    """A fresh copy of a built-in mission's workflow (callers may change it)."""
    return copy.deepcopy(_compiled(name))
