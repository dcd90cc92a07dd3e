"""What one expression may cost: one budget for its per-item evaluations and for the values
it builds, shared by the engine and every data operation.

Nested list operations multiply their work (`filter(L, where: count(filter(L, ...)) > 0)`
is len(L) squared), and an operation can repeat a value a number of times the data
chooses (`format(param.template, x: param.x)` writes `x` once per placeholder of a
template that is itself data). So one evaluation of an outermost expression (a step's
argument, a `when`, a per-item argument over all its elements) may make at most
`MAX_ITEM_EVALUATIONS` per-item evaluations and build values of at most `MAX_BUILT`
units in all, counted as they grow: every operation that builds a value (a list or map
node, `+` on strings and lists, `concat`, `merge`, `format`, the per-item values of a
step's argument) charges the size of what it builds before building it, so the step
fails with a message instead of running for ever or exhausting memory.

A value's size counts what writing it out would: a string its characters, a list or map
one per element (and a key's characters) plus the size of each element, every time it
appears, so a list holding one large value a thousand times weighs a thousand times that
value. What a builder charges is what it adds: a new string's characters; for a new list
or map, a unit per element, and, for an element this evaluation has placed in a value
before (the same object: an input read twice, a value built once and used twice), its
whole size again (`placed`). An element's first placement adds only its slot: it is
already there, as input or as a value charged when it was built. So the values of one
evaluation, written out, never outgrow its inputs by more than the budget, and a step
that only moves its inputs about measures nothing. Sizes are remembered per object for
the evaluation, so a value repeated many times is walked once.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from runtime.orchestration.model import EvaluationError

__all__ = ["MAX_BUILT", "MAX_ITEM_EVALUATIONS", "Budget"]

# Per-item evaluations one expression may make. Far above what a mission's data needs.
MAX_ITEM_EVALUATIONS = 1_000_000
# Units (characters, elements) of values one expression may build, in all.
MAX_BUILT = 16_000_000


class Budget:
    __slots__ = ("items", "left", "limit", "seen", "sizes")

    def __init__(self) -> None:
        self.items = MAX_ITEM_EVALUATIONS
        self.limit = MAX_BUILT
        self.left = MAX_BUILT  # units still allowed
        # id -> (the value, its size): a value kept here keeps its id for the evaluation.
        self.sizes: dict[int, tuple[Any, int]] = {}
        # id -> the value, for the values placed in a new value once already (kept alive).
        self.seen: dict[int, Any] = {}

    def item(self) -> None:
        """Count one per-item evaluation."""
        self.items -= 1
        if self.items < 0:
            raise EvaluationError(f"the expression evaluates per-item arguments more than "
                                  f"{MAX_ITEM_EVALUATIONS:,} times (nested list operations "
                                  "multiply); split the work over steps")

    def charge(self, amount: int, what: str) -> None:
        """Count `amount` units about to be built by `what` (an operation's name)."""
        self.left -= amount
        if self.left < 0:
            raise EvaluationError(f"`{what}` would take the values this expression builds "
                                  f"over {self.limit:,} characters and elements (an "
                                  "operation repeats a value as many times as the data "
                                  "says); split the work over steps, or bound the data")

    def size(self, value: Any) -> int:
        """`value`'s size (the module docstring); a walk that stops once it is over what is
        left, since the charge that follows fails then anyway."""
        if isinstance(value, str):
            return len(value)
        if not isinstance(value, (list, dict)):
            return 1
        known = self.sizes.get(id(value))
        if known is not None:
            return known[1]
        total = 0
        stack = [value]
        while stack:
            node = stack.pop()
            remembered = self.sizes.get(id(node))
            if remembered is not None:
                total += remembered[1]
                continue
            items: Iterable[Any]
            if isinstance(node, dict):
                total += len(node) + sum(map(len, node))  # JSON keys are strings
                items = node.values()
            else:
                total += len(node)
                items = node
            for item in items:  # scalars counted here, containers walked in turn
                if isinstance(item, str):
                    total += len(item)
                elif isinstance(item, (list, dict)):
                    stack.append(item)
                else:
                    total += 1
            if total > self.left:
                return total
        self.sizes[id(value)] = (value, total)
        return total

    def placed(self, value: Any) -> int:
        """What placing `value` in a new list, map or join adds (the module docstring): its
        slot, and its whole size when this evaluation placed it before."""
        if not isinstance(value, (str, list, dict)):
            return 1
        if id(value) not in self.seen:
            self.seen[id(value)] = value
            return 1
        return 1 + self.size(value)
