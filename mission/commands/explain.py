"""`mission explain CODE`: print a diagnostic code's documentation, or an operation's
(a built-in one, or one the project or an installed package declares: read from the
declaration, never by importing its code)."""

from __future__ import annotations

import argparse

from mission.cli import EXIT_OK, UsageError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("code", metavar="CODE", help="a code such as E006, a slug such as "
                        "unknown-operation, or an operation's name such as set")


def explanation(code: str) -> str:
    """The text `mission explain` prints for a code or slug; raises UsageError if unknown."""
    from compiler.rules import all_codes, all_rules, find_rule
    from compiler.suggest import did_you_mean

    rule = find_rule(code)
    if rule is None:
        described = operation_explanation(code)
        if described is not None:
            return described
        candidates = [rule.slug for rule in all_rules()] if "-" in code else all_codes()
        wanted = code if "-" in code else code.upper()
        hint = "".join(f" ({line})" for line in did_you_mean(wanted, candidates))
        if not hint and code.isidentifier():
            hint = "".join(f" ({line})" for line in did_you_mean(code, operation_names()))
        raise UsageError(f"`{code}` is neither a diagnostic code nor an operation{hint}; run "
                         "`mission rules` for the codes")
    notes = [f"default severity: {rule.severity.value}"]
    if rule.blocks_compilation:
        notes.append("blocks compilation")
    if not rule.default:
        notes.append("off unless selected")
    if rule.fixable:
        notes.append("fixable with `mission check --fix`")
    summary, _, body = rule.doc.strip().partition("\n")
    return (f"{rule.code} ({rule.slug}): {summary.rstrip('.')}\n"
            f"{'; '.join(notes)}\n\n{body.strip()}\n")


def operation_names() -> list[str]:
    from compiler.config import ConfigError, config_for
    try:
        return list(config_for(".").operation_table.known())
    except ConfigError:
        return []


def operation_explanation(name: str) -> str | None:
    """What `mission explain NAME` prints for an operation, or None when there is none of
    that name (the project's operations are those of the configuration in force here)."""
    from compiler.config import ConfigError, config_for
    try:
        config = config_for(".")
    except ConfigError as problem:
        raise UsageError(str(problem)) from None
    operation = config.operation_table.get(name)
    if operation is None:
        return None
    declaration = operation.declaration
    if declaration is None:
        where = f"a built-in {operation.kind} operation"
    else:
        article = "an" if declaration.kind == "effect" else "a"
        where = (f"{article} {declaration.kind} operation for runtime steps, declared in "
                 f"{declaration.origin or 'the project'}\nimplemented by "
                 f"`{declaration.implementation}` (imported only when a mission runs)")
    lines = [f"{operation.name}: {operation.summary}", where, "", f"    {operation.signature}",
             "", operation.doc.strip()]
    if operation.parameters:
        lines += ["", "arguments:"]
        for parameter in operation.parameters:
            kind = "state path" if parameter.place else parameter.type
            optional = "" if parameter.required else ", optional"
            lines.append(f"  {parameter.name} ({kind}{optional}): {parameter.doc}")
    if operation.example:
        lines += ["", "example:", f"    {operation.example}"]
    return "\n".join(lines) + "\n"


def run(args: argparse.Namespace) -> int:
    print(explanation(args.code), end="")
    return EXIT_OK
