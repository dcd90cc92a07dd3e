"""Enforcing the compiler's limits (`compiler.limits`) on a parsed file: the error E023.

The parser uses explicit stacks, so text of any nesting parses; `enforce` then
walks the tree with an explicit stack too, and drops every item (step or
declaration) holding an expression deeper than `max-depth`, the way
syntax-error recovery drops a broken item. The later phases (checks, lint
rules, emit, the formatter, the graph, the language server) recurse over
expressions, which is safe because they never see more than
`DEPTH_CEILING` levels: a test runs each of them on the deepest mission
allowed inside a small recursion budget.
"""

from __future__ import annotations

from collections.abc import Iterable

from compiler import ast
from compiler.ast import Span
from compiler.diagnostics import Diagnostic, Label, Severity
from compiler.limits import CODE, DEPTH_CEILING, PATH_CEILING, Limits
from compiler.source import SourceFile
from compiler.syntax import NO_MENTIONS, Mentions
from runtime.frozen import Frozen, set_field

__all__ = ["Enforced", "Walk", "enforce", "file_not_read", "file_too_large"]

_SECTION = "`[tool.mission.limits]`"


def file_too_large(source: SourceFile, limits: Limits) -> Diagnostic | None:
    """The E023 for a file over `max-file-size`, or None. Cheap: a text of at most a
    quarter of the limit in characters cannot be over it (UTF-8 takes 4 bytes at most)."""
    limit = limits.max_file_size
    characters = len(source.text)
    if characters <= limit // 4:
        return None
    if characters > limit:
        size = f"at least {characters:,} bytes"
    else:
        encoded = len(source.text.encode("utf-8", "surrogatepass"))
        if encoded <= limit:
            return None
        size = f"{encoded:,} bytes"
    return _too_large(size, limit)


def file_not_read(limits: Limits) -> Diagnostic:
    """The E023 for a file whose reading stopped at `max-file-size` (`runtime.reading`):
    it is at least one byte over, and the rest was never read."""
    limit = limits.max_file_size
    return _too_large(f"at least {limit + 1:,} bytes", limit)


def _too_large(size: str, limit: int) -> Diagnostic:
    return Diagnostic(CODE, Severity.ERROR,
                      f"the file is {size}, over the limit of {limit:,} bytes", Span(0, 0),
                      label="the file is not parsed",
                      help=("split the mission, or move its data to a params or state file",
                            f"the limit is `max-file-size` in {_SECTION}"))


class Enforced(Frozen):
    """The tree without the items that nest too deeply, what was wrong, where the dropped
    items were and what they mention (treated like text the syntax recovery dropped, so
    that a read of `state.x` in a dropped step does not make `x` look unused)."""

    __slots__ = ("diagnostics", "dropped", "mentions", "mission")
    mission: ast.Mission
    diagnostics: tuple[Diagnostic, ...]
    dropped: tuple[Span, ...]
    mentions: Mentions

    def __init__(
        self,
        mission: ast.Mission,
        diagnostics: tuple[Diagnostic, ...] = (),
        dropped: tuple[Span, ...] = (),
        mentions: Mentions = NO_MENTIONS,
    ) -> None:
        set_field(self, "mission", mission)
        set_field(self, "diagnostics", diagnostics)
        set_field(self, "dropped", dropped)
        set_field(self, "mentions", mentions)


def enforce(mission: ast.Mission, text: str, limits: Limits) -> Enforced:
    """Check every bound but the file size: drop the items with an expression too deep,
    and cut a call with too many arguments to the first `max-arguments`."""
    walk = _Walk(text, limits)
    walk.name(mission.name)
    walk.string(mission.description)
    kept: list[ast.Item] = []
    dropped: list[Span] = []
    state: set[str] = set()
    params: set[str] = set()
    starts: set[str] = set()
    changed = False
    for item in mission.items:
        walk.references = []
        checked = walk.item(item)
        changed = changed or checked is not item
        if checked is not None:
            kept.append(checked)
            continue
        dropped.append(item.span)
        if isinstance(item, ast.Declaration):
            starts.add(item.keyword)
            (params if item.keyword == "param" else state).add(item.name.text)
        elif isinstance(item, ast.Step):
            starts.add(item.kind.text)
        for reference in walk.references:
            (params if reference.root == "param" else state).add(reference.path[0].text)
    if not walk.diagnostics:
        return Enforced(mission)
    if changed:
        mission = ast.Mission(mission.name, mission.description, tuple(kept), mission.span)
    return Enforced(mission, tuple(walk.diagnostics), tuple(dropped),
                    Mentions(frozenset(state), frozenset(params), frozenset(starts)))


class _Walk:
    """Collects E023s; every walk here uses an explicit stack."""

    def __init__(self, text: str, limits: Limits) -> None:
        self.text = text
        self.limits = limits
        self.diagnostics: list[Diagnostic] = []
        self.references: list[ast.Reference] = []  # read by the item being walked

    def item(self, item: ast.Item) -> ast.Item | None:
        """Check one item: None when it holds an expression nested too deeply (it is
        dropped), else the item, its call cut to `max-arguments` arguments if it has more
        (so that the checks of the extra ones do not bury this error)."""
        if isinstance(item, ast.Version):
            return item
        if isinstance(item, ast.Declaration):
            self.name(item.name)
            self.name(item.type.name)
            too_deep = item.default is not None and self.expression(item.default)
            return None if too_deep else item
        self.name(item.kind)
        self.name(item.id)
        self.string(item.description)
        if item.group is not None:
            self.name(item.group)
        too_deep = item.when is not None and self.expression(item.when)
        for duration in _durations(item):
            self.name(duration.unit)
        for deadline in item.deadlines:
            action = deadline.action
            if isinstance(action, ast.DefaultAnswer):
                too_deep = self.expression(action.value) or too_deep
            elif isinstance(action, ast.FailStep):
                self.string(action.reason)
            else:
                self.name(action.group)
        call = item.call
        if call is None:
            return None if too_deep else item
        self.name(call.operation)
        for argument in call.arguments:
            if argument.name is not None:
                self.name(argument.name)
            too_deep = self.expression(argument.value) or too_deep
        if call.output is not None:
            too_deep = self.reference(call.output) or too_deep
        if too_deep:
            return None
        limit = self.limits.max_arguments
        if len(call.arguments) <= limit:
            return item
        self._error(f"`{_shown(call.operation.text)}` is given {len(call.arguments):,} arguments, "
                    f"over the limit of {limit}", call.operation.span, "called here",
                    ("pass the values in a list or a map",
                     f"the limit is `max-arguments` in {_SECTION}"))
        cut = ast.Call(call.operation, call.arguments[:limit], call.output, call.span)
        return item.replace(call=cut)

    def expression(self, root: ast.Expr) -> bool:
        """Check one expression; True when it nests deeper than `max-depth`."""
        limit = self.limits.max_depth
        deepest = 0
        first_too_deep: ast.Expr | None = None
        too_long = False
        stack: list[tuple[ast.Expr, int]] = [(root, 0)]
        while stack:
            node, outer = stack.pop()
            if isinstance(node, ast.Literal):
                self.string(node)
                continue
            if isinstance(node, ast.Reference):
                too_long = self.reference(node) or too_long
                continue
            level = outer + 1
            if level > deepest:
                deepest = level
                if level > limit and first_too_deep is None:
                    first_too_deep = node
            if isinstance(node, ast.ListExpr):
                stack.extend((item, level) for item in reversed(node.items))
            elif isinstance(node, ast.MapExpr):
                for entry in reversed(node.entries):
                    self.name(entry.key)
                    stack.append((entry.value, level))
            elif isinstance(node, ast.Unary):
                stack.append((node.operand, level))
            elif isinstance(node, ast.Conditional):
                stack.extend(((node.else_value, level), (node.then_value, level),
                              (node.condition, level)))
            elif isinstance(node, ast.CallExpr):
                self.name(node.function)
                for argument in reversed(node.arguments):
                    if argument.name is not None:
                        self.name(argument.name)
                    stack.append((argument.value, level))
            else:
                stack.append((node.right, level))
                stack.append((node.left, level))
        if first_too_deep is None:
            return too_long
        self._error(f"this expression is nested {deepest:,} levels deep, deeper than the limit "
                    f"of {limit}", self._opening(first_too_deep), f"level {limit + 1} starts here",
                    ("each list, map, `not` and operator is a level: flatten the data, or pass "
                     "it in as a param or input",
                     f"the limit is `max-depth` in {_SECTION} (at most {DEPTH_CEILING})"),
                    labels=(Label(Span(root.span.start, root.span.start + 1),
                                  "the expression starts here"),)
                    if root is not first_too_deep else ())
        return True

    def reference(self, reference: ast.Reference) -> bool:
        """Check one path; True when it has more parts than `PATH_CEILING` (the engine and
        the run store would refuse the state it builds)."""
        self.names(reference.path)
        self.references.append(reference)
        if len(reference.path) <= PATH_CEILING:
            return False
        first = reference.path[PATH_CEILING]
        self._error(f"this path has {len(reference.path):,} parts after `{reference.root}.`, "
                    f"over the limit of {PATH_CEILING}", first.span,
                    f"part {PATH_CEILING + 1} starts here",
                    ("keep state shallow: use a map value, or a shorter path",
                     f"the limit of {PATH_CEILING} parts is fixed: each part nests the state "
                     "one level, and a run's data may nest at most 100 levels"))
        return True

    def _opening(self, node: ast.Expr) -> Span:
        """The token that opens `node`: its bracket, its `not`, or its operator."""
        if isinstance(node, ast.Binary):
            start, end = node.left.span.end, node.right.span.start
            found = self.text.find(node.operator, start, end)
            return Span(found, found + len(node.operator)) if found >= 0 else Span(start, end)
        width = 3 if isinstance(node, ast.Unary) else 1
        return Span(node.span.start, node.span.start + width)

    def string(self, literal: ast.Literal | None) -> None:
        if literal is None or not isinstance(literal.value, str):
            return
        if len(literal.value) > self.limits.max_string_length:
            self._long("string", len(literal.value), literal.span)

    def name(self, name: ast.Name) -> None:
        if len(name.text) > self.limits.max_string_length:
            self._long("name", len(name.text), name.span)

    def names(self, names: Iterable[ast.Name]) -> None:
        for name in names:
            self.name(name)

    def _long(self, what: str, length: int, span: Span) -> None:
        start = span.start
        self._error(f"this {what} is {length:,} characters long, over the limit of "
                    f"{self.limits.max_string_length:,}", Span(start, start + 1),
                    f"the {what} starts here",
                    ("keep long text in a params or state file",
                     f"the limit is `max-string-length` in {_SECTION}"))

    def _error(self, message: str, span: Span, label: str, help_lines: tuple[str, ...],
               labels: tuple[Label, ...] = ()) -> None:
        self.diagnostics.append(Diagnostic(CODE, Severity.ERROR, message, span, label=label,
                                           labels=labels, help=help_lines))


Walk = _Walk  # the same bounds on the values of other trees (a test file's: compiler.testfile)


def _durations(step: ast.Step) -> list[ast.Duration]:
    reminder = [step.reminder.before] if step.reminder is not None else []
    return reminder + [deadline.after for deadline in step.deadlines]


def _shown(name: str) -> str:
    return name if len(name) <= 40 else name[:40] + "…"
