"""Run the enabled lint rules over a checked mission: above the rules (`compiler.rules`),
which read the context of `compiler.lint`."""

from __future__ import annotations

from collections.abc import Collection

from compiler import ast
from compiler.analysis import Analysis
from compiler.diagnostics import Diagnostic
from compiler.lint import LintContext, expressions_of, read_as_null, step_facts
from compiler.rules import lint_rules
from compiler.source import SourceFile
from compiler.syntax import NO_MENTIONS, Mentions


def lint(source: SourceFile, mission: ast.Mission, analysis: Analysis, *,
         enabled: Collection[str], complete: bool = True,
         mentions: Mentions = NO_MENTIONS) -> list[Diagnostic]:
    """The findings of the enabled lint rules; `complete` is False after a syntax error."""
    rules = [rule for rule in lint_rules() if rule.code in enabled
             and (complete or not rule.whole_mission)]
    if not rules:
        return []
    facts = tuple(step_facts(index, step, analysis.table)
                  for index, step in enumerate(mission.steps))
    expressions = tuple(expressions_of(mission))
    context = LintContext(source, mission, analysis, facts, mentions, expressions,
                          frozenset(read_as_null(expressions)),
                          {rule.code: rule.severity for rule in rules})
    found: list[Diagnostic] = []
    for rule in rules:
        assert rule.check is not None
        found.extend(rule.check(context))
    return found
