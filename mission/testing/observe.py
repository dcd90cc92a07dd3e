"""What the runs of one case went through, as the engine tells an observer
(`runtime.orchestration.trace`): the step it is at (so a scripted effect knows whose
result to give), each `when` condition's value and each conditional value's branch (for
coverage). A case runs the engine once per point of its timeline; what the runs saw is
gathered as sets, so a step replayed three times counts once for the case.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

Guard = tuple[str, bool]  # (step id, the condition's value)
Branch = tuple[str, str, bool]  # (step id, the conditional value's canonical JSON, taken)


@dataclass
class Observed:
    """The observer of a case's runs (`runtime.orchestration.trace.Observer`)."""

    current: str = ""  # the step the run is at
    guards: set[Guard] = field(default_factory=set)
    branches: set[Branch] = field(default_factory=set)
    # Each conditional value's canonical JSON, by the identity of the engine's node: the
    # node is kept here, so its identity is not reused while the case runs.
    _keys: dict[int, tuple[Mapping[str, Any], str]] = field(default_factory=dict)

    def step(self, step_id: str) -> None:
        self.current = step_id

    def guard(self, taken: bool) -> None:
        self.guards.add((self.current, taken))

    def branch(self, node: Mapping[str, Any], taken: bool) -> None:
        known = self._keys.get(id(node))
        if known is None or known[0] is not node:
            known = (node, canonical_text(node))
            self._keys[id(node)] = known
        self.branches.add((self.current, known[1], taken))


def canonical_text(value: Any) -> str:
    """A compiled expression as canonical JSON: how a conditional value is recognised."""
    import json

    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)

