"""What a run can tell an observer as it goes: which step it is at, what each step's `when`
condition gave, and which way each conditional value (`if ... then ... else`) went.

`mission test` measures coverage with it (`mission.testing.trace`), and learns which step
calls an effect or a project operation whose result a test gives. The observer is set for
one run with `tracing(observer)`; by default there is none, and the engine and the
evaluator then only read one `ContextVar` per run and per conditional value. It changes
nothing a run computes: what it returns is ignored.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Protocol


class Observer(Protocol):
    def step(self, step_id: str) -> None:
        """The run reaches the step (before its `when` condition)."""

    def guard(self, taken: bool) -> None:
        """The current step's `when` condition gave `taken`."""

    def branch(self, node: Mapping[str, Any], taken: bool) -> None:
        """The conditional value `node` (`{"if": [...]}`) took its `then` (True) or `else`."""


OBSERVER: ContextVar[Observer | None] = ContextVar("mission_run_observer", default=None)


@contextmanager
def tracing(observer: Observer) -> Iterator[None]:
    """Runs inside the block are observed by `observer`."""
    token = OBSERVER.set(observer)
    try:
        yield
    finally:
        OBSERVER.reset(token)
