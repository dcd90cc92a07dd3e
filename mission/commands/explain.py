"""`mission explain CODE`: print a diagnostic code's or an operation's documentation.

`mission explain operations` lists the operation table (the same text as the
editor's hover and `docs/language.md`), the project's own operations and those
installed packages declare included: those are read from their declarations,
never by importing their code.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from mission.cli import EXIT_OK, UsageError

if TYPE_CHECKING:
    from compiler.operations import OperationTable


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("code", metavar="CODE", help="a code such as E006, a slug such as "
                        "unknown-operation, an operation such as filter, or `operations` for "
                        "the list of operations")


def _table() -> OperationTable:
    """The operations of the configuration in force here (the built-in ones, the project's,
    the installed packages')."""
    from compiler.config import ConfigError, config_for

    try:
        return config_for(".").operation_table
    except ConfigError as problem:
        raise UsageError(str(problem)) from None


def operation_text(name: str) -> str | None:
    """What `mission explain OPERATION` prints; None when there is no such operation."""
    table = _table()
    if name == "operations":
        known = table.known(include_installed=True)
        width = max(map(len, known))
        return "".join(f"{op.name:<{width}}  {op.kind:<7}  {op.summary}\n"
                       for op in sorted(known.values(), key=lambda op: op.name))
    operation = table.get(name)
    if operation is None:
        return None
    declaration = operation.declaration
    if declaration is not None:
        where = (f"as a runtime step: {'an' if declaration.kind == 'effect' else 'a'} "
                 f"{declaration.kind} operation declared in "
                 f"{declaration.origin or 'the project'}\nimplemented by "
                 f"`{declaration.implementation}` (imported only when a mission runs)")
    elif operation.compute is not None:
        where = "inside any expression, or as a runtime step"
    else:
        where = f"as a {operation.kind} step" + (f" (effect: {operation.effect})"
                                                 if operation.effect else "")
    lines = [operation.signature, f"used {where}", "", operation.doc, ""]
    lines += [f"  {p.name}: {p.doc}" for p in operation.parameters]
    if operation.example:
        lines += ["", "Example:", f"    {operation.example}"]
    return "\n".join(lines) + "\n"


def explanation(code: str) -> str:
    """The text `mission explain` prints for a code or slug; raises UsageError if unknown."""
    from compiler.rules import all_codes, all_rules, find_rule
    from compiler.suggest import did_you_mean

    rule = find_rule(code)
    if rule is None and (text := operation_text(code)) is not None:
        return text
    if rule is None:

        candidates = [rule.slug for rule in all_rules()] if "-" in code else all_codes()
        wanted = code if "-" in code else code.upper()
        hint = "".join(f" ({line})" for line in did_you_mean(wanted, candidates))
        if not hint and code.isidentifier():
            hint = "".join(f" ({line})" for line in did_you_mean(code, _table().known()))
        raise UsageError(f"`{code}` is not a diagnostic code or an operation{hint}; run "
                         "`mission rules` for the codes, `mission explain operations` for the "
                         "operations")
    notes = [f"default severity: {rule.severity.value}"]
    if rule.configuration:
        notes.append("about the configuration's schedules: `mission serve` refuses to start")
    elif rule.blocks_compilation:
        notes.append("blocks compilation")
    if not rule.default:
        notes.append("off unless selected")
    if rule.fixable:
        notes.append("fixable with `mission check --fix`")
    summary, _, body = rule.doc.strip().partition("\n")
    return (f"{rule.code} ({rule.slug}): {summary.rstrip('.')}\n"
            f"{'; '.join(notes)}\n\n{body.strip()}\n")


def run(args: argparse.Namespace) -> int:
    print(explanation(args.code), end="")
    return EXIT_OK
