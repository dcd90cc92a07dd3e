"""`mission test --update`: the values of `snapshot` lines written from the run.

A `snapshot state.PATH` line is an expectation that opts in: `--update` writes the value
the run has there (after `==`, laid out as `mission fmt` lays out a value), for every
snapshot whose written value differs or that has none yet. The rest of the file is left
as it is. The command shows each change as a diff.
"""

from __future__ import annotations

from collections.abc import Sequence

from compiler.source import SourceFile
from mission.testing.results import FileResult, Snapshot


def _stale(snapshot: Snapshot, source: SourceFile) -> bool:
    from compiler.literals import literal_value
    from compiler.parser import parse

    if snapshot.missing:
        return False  # nothing to write: the run has no value there
    if snapshot.value_span is None:
        return True
    text = source.text[snapshot.value_span.start:snapshot.value_span.end]
    parsed = parse(SourceFile(source.path, f'tests "" {{ test "" {{ expect state == {text} }} }}'))
    if parsed.tests is None or not parsed.tests.cases:
        return True
    line = parsed.tests.cases[0].lines[0]
    from compiler.testfile.nodes import ExpectState
    from runtime.orchestration.expressions import json_equal

    if not isinstance(line, ExpectState) or line.value is None:
        return True
    constant, value = literal_value(line.value)
    return not constant or not json_equal(value, snapshot.actual)


def updated_text(source: SourceFile, snapshots: Sequence[Snapshot]) -> str:
    """The test file's text with the stale snapshots' values written."""
    from compiler.testfile.format import value_lines

    text = source.text
    edits: list[tuple[int, int, str]] = []
    for snapshot in snapshots:
        if not _stale(snapshot, source):
            continue
        start = snapshot.span.start
        column = source.location(start)[1]
        depth = (column - 1) // 4
        if snapshot.value_span is None:
            head = text[start:snapshot.path_end] + " == "
            lines = value_lines(snapshot.actual, depth, head)
            lines[0] = lines[0].removeprefix(head)
            edits.append((snapshot.path_end, snapshot.path_end, " == " + "\n".join(lines)))
        else:
            head = text[start:snapshot.value_span.start]
            lines = value_lines(snapshot.actual, depth, head)
            lines[0] = lines[0].removeprefix(head)
            edits.append((snapshot.value_span.start, snapshot.value_span.end, "\n".join(lines)))
    for begin, end, replacement in sorted(edits, reverse=True):
        text = text[:begin] + replacement + text[end:]
    return text


def updates(results: Sequence[FileResult]) -> dict[str, tuple[str, str]]:
    """For each test file with a stale snapshot: (its text now, its text updated)."""
    found: dict[str, tuple[str, str]] = {}
    for result in results:
        snapshots = [snapshot for case in result.cases for snapshot in case.snapshots]
        if result.source is None or not snapshots:
            continue
        after = updated_text(result.source, snapshots)
        if after != result.source.text:
            found[result.path] = (result.source.text, after)
    return found


def missing(results: Sequence[FileResult]) -> list[str]:
    """The snapshots `--update` cannot write: the run has no value at their path."""
    lines = []
    for result in results:
        if result.source is None:
            continue
        for case in result.cases:
            for snapshot in case.snapshots:
                if snapshot.missing:
                    line = result.source.location(snapshot.span.start)[0]
                    lines.append(f"{result.path}:{line}: the run has no value there; the "
                                 "snapshot is left as it is")
    return lines
