"""`mission explain CODE`: print a diagnostic code's documentation."""

from __future__ import annotations

import argparse

from mission.cli import EXIT_OK, UsageError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("code", metavar="CODE", help="a code such as E006, or a slug such as "
                        "unknown-operation")


def explanation(code: str) -> str:
    """The text `mission explain` prints for a code or slug; raises UsageError if unknown."""
    from compiler.rules import all_codes, all_rules, find_rule
    from compiler.suggest import did_you_mean

    rule = find_rule(code)
    if rule is None:
        candidates = [rule.slug for rule in all_rules()] if "-" in code else all_codes()
        wanted = code if "-" in code else code.upper()
        hint = "".join(f" ({line})" for line in did_you_mean(wanted, candidates))
        raise UsageError(f"`{code}` is not a diagnostic code{hint}; run `mission rules` for "
                         "the list")
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


def run(args: argparse.Namespace) -> int:
    print(explanation(args.code), end="")
    return EXIT_OK
