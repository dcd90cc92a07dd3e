"""What a run can tell an observer as it goes: which step it is at, what each step's `when`
condition gave, and which way each conditional value (`if ... then ... else`) went.

`mission test` measures coverage with it (`mission.testing.observe`), and learns which step
calls an effect or a project operation whose result a test gives. The observer is set for
the runs inside `tracing(observer)`; by default there is none
(`runtime.orchestration.model.OBSERVER`), and the engine and the evaluator then only read
that `ContextVar` once per run and once per conditional value. It changes nothing a run
computes: what it returns is ignored.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from runtime.orchestration.model import OBSERVER, Observer

__all__ = ["Observer", "tracing"]


@contextmanager
def tracing(observer: Observer) -> Iterator[None]:
    """Runs inside the block are observed by `observer`."""
    token = OBSERVER.set(observer)
    try:
        yield
    finally:
        OBSERVER.reset(token)
