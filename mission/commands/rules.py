"""`mission rules`: every diagnostic code with its slug, severity and summary."""

from __future__ import annotations

import argparse
import json

from mission.cli import EXIT_OK


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", choices=("text", "json"), default="text",
                        help="output format (default: text)")


def run(args: argparse.Namespace) -> int:
    from compiler.rules import all_rules

    rules = all_rules()
    if args.format == "json":
        print(json.dumps([{"code": rule.code, "slug": rule.slug,
                           "severity": rule.severity.value, "default": rule.default,
                           "fixable": rule.fixable, "summary": rule.summary} for rule in rules],
                         indent=2))
        return EXIT_OK
    width = max(len(rule.slug) for rule in rules)
    print(f"{'code':<4}  {'slug':<{width}}  {'severity':<8} {'':<8} summary")
    for rule in rules:
        marks = ("fix" if rule.fixable else "   ") + ("  off" if not rule.default else "")
        print(f"{rule.code}  {rule.slug:<{width}}  {rule.severity.value:<8} {marks:<8} "
              f"{rule.summary}".rstrip())
    print("\n`fix`: `mission check --fix` can fix it; `off`: only when selected. "
          "Details: `mission explain CODE`.")
    return EXIT_OK
