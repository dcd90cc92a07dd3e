"""The text report's frame, from plain counts: the summary line and how the findings'
blocks are joined. Shared by the output formats and by the warm path of `mission check`,
which prints findings kept by the cache without importing the diagnostics at all.
"""

from __future__ import annotations

from collections.abc import Sequence


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'s' * (count != 1)}"


def summary_text(files: int, *, cached: int, errors: int, warnings: int, notes: int,
                 fixed: int, fixable: int, seconds: float) -> str:
    """`Checked 3 files in 0.02s: 1 error, 2 warnings, 0 notes.` (plus what was fixed/cached)."""
    parts = [f"Checked {plural(files, 'file')} in {seconds:.2f}s"]
    if cached:
        parts.append(f" ({cached} unchanged, from the cache)")
    parts.append(f": {plural(errors, 'error')}, {plural(warnings, 'warning')}, "
                 f"{plural(notes, 'note')}")
    if fixed:
        parts.append(f"; fixed {plural(fixed, 'problem')}")
    elif fixable:
        parts.append(f"; {fixable} fixable with `--fix`")
    return "".join(parts) + "."


def text_report(blocks: Sequence[str], summary: str) -> str:
    """The rendered findings, a blank line after each, a pointer to `mission explain`
    when there are any, then the summary line."""
    lines = [block + "\n" for block in blocks]
    if blocks:
        lines.append("For more about a code, run `mission explain CODE`.")
    lines.append(summary)
    return "\n".join(lines) + "\n"
