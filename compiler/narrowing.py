"""What a condition proves about null: the facts that narrow `T?` to `T` behind a guard.

A guard such as `state.next != null` proves, where it is true, that the
reference is there and not null; `"done_on" in item` proves that the field is
there. The type checker types the rest of an `and` chain with what its left
part proves, the rest of an `or` chain with what its left part disproves, the
branches of `if` with what the condition proves or disproves, and a step's
call with what its `when` proves (docs/language.md, "Null and optional
fields"). Facts name references by their dotted path (`state.next.name`); a
fact about a path is a fact about every path it starts with (`state.next.name
!= null` also proves `state.next != null`).
"""

from __future__ import annotations

import re

from compiler import ast
from runtime.frozen import Frozen, set_field

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


class Facts(Frozen):
    """`present`: references known to be there (every key of their path exists);
    `non_null`: references known to be there and not null."""

    __slots__ = ("non_null", "present")
    present: frozenset[str]
    non_null: frozenset[str]

    def __init__(
        self,
        present: frozenset[str] = frozenset(),
        non_null: frozenset[str] = frozenset(),
    ) -> None:
        set_field(self, "present", present)
        set_field(self, "non_null", non_null)

    def __or__(self, other: Facts) -> Facts:
        return Facts(self.present | other.present, self.non_null | other.non_null)

    def __and__(self, other: Facts) -> Facts:
        return Facts(self.present & other.present, self.non_null & other.non_null)

    def without_item(self) -> Facts:
        """The facts that still hold inside a nested per-item argument, where `item` is
        another element."""
        def kept(paths: frozenset[str]) -> frozenset[str]:
            return frozenset(path for path in paths if path.split(".")[0] != "item")

        return Facts(kept(self.present), kept(self.non_null))


NO_FACTS = Facts()


def _prefixes(dotted: str) -> frozenset[str]:
    """`state.a.b` -> {`state.a`, `state.a.b`}; `item.a` -> {`item`, `item.a`}."""
    parts = dotted.split(".")
    first = 1 if parts[0] == "item" else 2
    return frozenset(".".join(parts[:end]) for end in range(first, len(parts) + 1))


def _not_null(dotted: str) -> Facts:
    every = _prefixes(dotted)
    return Facts(every, every)


def compared_with_null(expression: ast.Expr) -> ast.Expr | None:
    """The other operand of `x == null` or `x != null` (`null == x` too), else None."""
    if not isinstance(expression, ast.Binary) or expression.operator not in ("==", "!="):
        return None
    if _is_null(expression.right):
        return expression.left
    if _is_null(expression.left):
        return expression.right
    return None


def _is_null(expression: ast.Expr) -> bool:
    return isinstance(expression, ast.Literal) and expression.value is None


def proven(condition: ast.Expr, outcome: bool) -> Facts:
    """What `condition` having the value `outcome` proves (sound: only what always holds)."""
    if isinstance(condition, ast.Unary) and condition.operator == "not":
        return proven(condition.operand, not outcome)
    if not isinstance(condition, ast.Binary):
        return NO_FACTS
    left, right = condition.left, condition.right
    if condition.operator in ("and", "or"):
        stops = condition.operator == "or"  # the left value that decides alone
        if outcome is stops:  # either the left part decided, or it did not and the right did
            return proven(left, outcome) & (proven(left, not outcome) | proven(right, outcome))
        return proven(left, outcome) | proven(right, outcome)
    other = compared_with_null(condition)
    if other is not None:
        if isinstance(other, ast.Reference) and (other.path or other.root == "item") \
                and (condition.operator == "!=") is outcome:
            return _not_null(other.dotted)
        return NO_FACTS
    if condition.operator == "in" and outcome and isinstance(right, ast.Reference) \
            and (right.path or right.root == "item") and isinstance(left, ast.Literal) \
            and isinstance(left.value, str) and _NAME.match(left.value):
        holder = _not_null(right.dotted)
        field = f"{right.dotted}.{left.value}"
        return Facts(holder.present | {field}, holder.non_null)
    return NO_FACTS
