"""Autofix: apply the `Fix` edits that diagnostics carry.

Only fixes that are certain are ever attached (one close spelling, a stub
description, an unused suppression, a guard that is always true): applying
one never changes what a valid mission does silently. Fixes whose edits
overlap are applied one at a time: the file is checked again after each
round, and rounds stop when nothing applies (at most `MAX_ROUNDS`).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from compiler.diagnostics import Diagnostic, Edit

MAX_ROUNDS = 10


@dataclass(frozen=True, slots=True)
class FixOutcome:
    text: str
    applied: int  # how many fixes were applied
    remaining: tuple[Diagnostic, ...]  # the diagnostics of the fixed text


def apply_edits(text: str, diagnostics: Sequence[Diagnostic]) -> tuple[str, int]:
    """Apply every fix whose edits do not overlap an earlier one; (new text, fixes applied)."""
    chosen: list[Edit] = []
    applied = 0
    for diagnostic in sorted(diagnostics, key=lambda d: d.sort_key):
        if diagnostic.fix is None:
            continue
        edits = sorted(diagnostic.fix.edits, key=lambda edit: (edit.span.start, edit.span.end))
        if any(not 0 <= e.span.start <= e.span.end <= len(text) for e in edits):
            continue
        if any(_overlap(edit, other) for edit in edits for other in chosen):
            continue
        chosen.extend(edits)
        applied += 1
    for edit in sorted(chosen, key=lambda edit: (edit.span.start, edit.span.end), reverse=True):
        text = text[:edit.span.start] + edit.replacement + text[edit.span.end:]
    return text, applied


def _overlap(first: Edit, second: Edit) -> bool:
    """True when two edits touch the same text (an insertion also conflicts at its ends)."""
    a1, b1, a2, b2 = first.span.start, first.span.end, second.span.start, second.span.end
    if a1 == b1 or a2 == b2:
        return a1 <= b2 and a2 <= b1
    return a1 < b2 and a2 < b1


def fix_text(text: str, check: Callable[[str], Sequence[Diagnostic]]) -> FixOutcome:
    """Fix `text` until no fix applies; `check` gives the diagnostics of a text."""
    applied = 0
    diagnostics = tuple(check(text))
    for _ in range(MAX_ROUNDS):
        fixed, count = apply_edits(text, diagnostics)
        if count == 0 or fixed == text:
            break
        text, applied = fixed, applied + count
        diagnostics = tuple(check(text))
    return FixOutcome(text, applied, diagnostics)


def unified_diff(path: str, before: str, after: str) -> str:
    lines = difflib.unified_diff(before.splitlines(keepends=True), after.splitlines(keepends=True),
                                 fromfile=f"a/{path}", tofile=f"b/{path}")
    return "".join(line if line.endswith("\n") else line + "\n\\ No newline at end of file\n"
                   for line in lines)
