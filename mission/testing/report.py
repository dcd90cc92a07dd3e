"""The reports of `mission test`: text like pytest's, JSON, JUnit XML and GitHub annotations.

Text: a line per test file with a mark per test (`.` passed, `F` failed, `E` could not
run), then each failure with its place in the test file as rustc shows a diagnostic (the
line, the expectation underlined) and what the run gave against what was expected (a diff
of the values), then a short summary per failure and the counts. A test file with errors
is reported as `mission check` reports it, and none of its tests run.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from compiler.diagnostics import Diagnostic, Severity
from compiler.source import SourceFile
from mission.testing.results import ERROR, FAILED, PASSED, CaseResult, Failure, FileResult

_MARKS = {PASSED: ".", FAILED: "F", ERROR: "E"}


def counts(results: Sequence[FileResult]) -> dict[str, int]:
    found = {PASSED: 0, FAILED: 0, ERROR: 0, "files": len(results), "broken": 0}
    for result in results:
        if result.broken:
            found["broken"] += 1
        for case in result.cases:
            found[case.outcome] += 1
    return found


def failed(results: Sequence[FileResult]) -> bool:
    found = counts(results)
    return bool(found[FAILED] or found[ERROR] or found["broken"])


def summary(results: Sequence[FileResult], seconds: float | None = None) -> str:
    found = counts(results)
    parts = [f"{found[name]} {name}" for name in (FAILED, PASSED) if found[name]]
    if found[ERROR]:
        parts.append(f"{found[ERROR]} error{'s' * (found[ERROR] != 1)}")
    if found["broken"]:
        parts.append(f"{found['broken']} test file{'s' * (found['broken'] != 1)} with errors")
    text = ", ".join(parts) or "no tests ran"
    return text + (f" in {seconds:.2f}s" if seconds is not None else "")


def progress_line(result: FileResult) -> str:
    """The line a test file gets as soon as it has run: its path and a mark per test."""
    if result.problem:
        return f"{result.path} E (cannot read it: {result.problem})"
    if result.diagnostics:
        count = len(result.diagnostics)
        return f"{result.path} E ({count} error{'s' * (count != 1)}: no test ran)"
    marks = "".join(_MARKS[case.outcome] for case in result.cases)
    return f"{result.path} {marks}" if marks else f"{result.path} (no test selected)"


def render_failure(failure: Failure, source: SourceFile, colour: bool = False) -> str:
    """A failure in the layout of a diagnostic: `failed: MESSAGE`, the place underlined,
    then what shows it (a diff), indented under the snippet."""
    from compiler.render import render, visible

    label = "could not run" if failure.error else "expected here"
    rendered = render(Diagnostic("test", Severity.ERROR, failure.message, failure.span, label),
                      source, colour).split("\n")
    head = "error" if failure.error else "failed"
    rendered[0] = (f"\033[1;31m{head}\033[0m\033[1m: {visible(failure.message)}\033[0m"
                   if colour else f"{head}: {visible(failure.message)}")
    width = rendered[1].index("-->")
    for line in failure.detail:
        rendered.append(f"{' ' * width} = {visible(line)}")
    return "\n".join(rendered)


def _banner(text: str, fill: str = "_") -> str:
    line = f" {text} "
    side = max(3, (78 - len(line)) // 2)
    return f"{fill * side}{line}{fill * side}"


def text_report(results: Sequence[FileResult], seconds: float, colour: bool = False,
                progress: bool = True) -> str:
    """Everything after the progress lines: failures, the short summary, the counts."""
    blocks: list[str] = []
    short: list[str] = []
    for result in results:
        if result.problem:
            short.append(f"ERROR {result.path} - cannot read it: {result.problem}")
            continue
        if result.diagnostics and result.source is not None:
            from compiler.render import render

            blocks.append(_banner(f"ERROR {result.path}"))
            blocks.append("\n\n".join(render(d, result.source, colour)
                                      for d in result.diagnostics))
            short.append(f"ERROR {result.path} - {result.diagnostics[0].message}")
            continue
        for case in result.cases:
            if case.outcome == PASSED or result.source is None:
                continue
            blocks.append(_banner(result.case_id(case)))
            blocks.append("\n\n".join(render_failure(failure, result.source, colour)
                                      for failure in case.failures))
            mark = "ERROR" if case.outcome == ERROR else "FAILED"
            short.append(f"{mark} {result.case_id(case)} - {case.failures[0].message}")
    lines: list[str] = []
    if blocks:
        lines += ["", _banner("FAILURES", "="), *_spaced(blocks)]
    if short:
        lines += ([] if blocks else [""]) + [_banner("short test summary info", "="), *short]
    lines.append(_banner(summary(results, seconds), "="))
    if not progress:
        lines = lines[1:] if lines and not lines[0] else lines
    return "\n".join(lines) + "\n"


def _spaced(blocks: list[str]) -> list[str]:
    found: list[str] = []
    for block in blocks:
        found.append(block)
        if not block.startswith("_"):
            found.append("")
    return found


# -- JSON -----------------------------------------------------------------------------------


def _place(source: SourceFile | None, failure: Failure) -> dict[str, Any]:
    if source is None:
        return {}
    line, column = source.location(failure.span.start)
    end_line, end_column = source.location(failure.span.end)
    return {"line": line, "column": column, "end_line": end_line, "end_column": end_column}


def _case_json(result: FileResult, case: CaseResult) -> dict[str, Any]:
    line = result.source.location(case.span.start)[0] if result.source is not None else None
    return {"id": result.case_id(case), "name": case.name, "outcome": case.outcome,
            "line": line, "replay": case.replay,
            "failures": [{"message": failure.message, "detail": list(failure.detail),
                          "error": failure.error, **_place(result.source, failure)}
                         for failure in case.failures]}


def json_report(results: Sequence[FileResult], coverage: dict[str, Any] | None = None) -> str:
    """One object, keys sorted, stable from run to run (no times)."""
    from compiler.diagnostics import to_data

    files = []
    for result in results:
        entry: dict[str, Any] = {"path": result.path, "mission": result.mission or None,
                                 "tests": [_case_json(result, case) for case in result.cases]}
        if result.problem:
            entry["problem"] = result.problem
        if result.diagnostics:
            entry["diagnostics"] = [{**to_data(d), "range": _range(result.source, d)}
                                    for d in result.diagnostics]
        files.append(entry)
    found = counts(results)
    data: dict[str, Any] = {"version": 1, "files": files, "summary": {
        "files": found["files"], "passed": found[PASSED], "failed": found[FAILED],
        "errors": found[ERROR], "broken_files": found["broken"]}}
    if coverage is not None:
        data["coverage"] = coverage
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _range(source: SourceFile | None, diagnostic: Diagnostic) -> dict[str, Any]:
    if source is None:
        return {}
    line, column = source.location(diagnostic.span.start)
    end_line, end_column = source.location(diagnostic.span.end)
    return {"start": {"line": line, "column": column},
            "end": {"line": end_line, "column": end_column}}


# -- JUnit XML ------------------------------------------------------------------------------


def junit_report(results: Sequence[FileResult], seconds: float) -> str:
    """JUnit XML as CI services read it: a test suite per file, a test case per test (a
    test file with errors is one test case in error)."""
    from xml.sax.saxutils import escape, quoteattr

    found = counts(results)
    total = found[PASSED] + found[FAILED] + found[ERROR] + found["broken"]
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           f'<testsuites name="mission test" tests="{total}" failures="{found[FAILED]}" '
           f'errors="{found[ERROR] + found["broken"]}" time="{seconds:.3f}">']
    for result in results:
        cases = result.cases
        failures = sum(1 for case in cases if case.outcome == FAILED)
        errors = sum(1 for case in cases if case.outcome == ERROR) + int(result.broken)
        out.append(f"  <testsuite name={quoteattr(result.path)} "
                   f'tests="{len(cases) + int(result.broken)}" failures="{failures}" '
                   f'errors="{errors}" skipped="0">')
        classname = quoteattr(result.path.removesuffix(".mission").replace("/", "."))
        if result.broken:
            message = result.problem or (result.diagnostics[0].message
                                         if result.diagnostics else "")
            text = result.problem or _rendered_diagnostics(result)
            out.append(f"    <testcase classname={classname} name={quoteattr(result.path)} "
                       f"file={quoteattr(result.path)}>")
            out.append(f"      <error message={quoteattr(message)}>{escape(text)}</error>")
            out.append("    </testcase>")
        for case in cases:
            line = result.source.location(case.span.start)[0] if result.source else 0
            out.append(f"    <testcase classname={classname} name={quoteattr(case.name)} "
                       f'file={quoteattr(result.path)} line="{line}">')
            if case.outcome != PASSED and result.source is not None:
                tag = "error" if case.outcome == ERROR else "failure"
                text = "\n\n".join(render_failure(failure, result.source)
                                   for failure in case.failures)
                out.append(f"      <{tag} message={quoteattr(case.failures[0].message)}>"
                           f"{escape(text)}</{tag}>")
            out.append("    </testcase>")
        out.append("  </testsuite>")
    out.append("</testsuites>")
    return "\n".join(out) + "\n"


def _rendered_diagnostics(result: FileResult) -> str:
    from compiler.render import render

    assert result.source is not None
    return "\n\n".join(render(d, result.source) for d in result.diagnostics)


# -- GitHub Actions -------------------------------------------------------------------------


def github_report(results: Sequence[FileResult]) -> str:
    """A workflow command per failure, so it shows on the pull request's lines."""
    from compiler.formats.github import _data, _property

    lines = []
    for result in results:
        source = result.source
        if result.problem or source is None:
            lines.append(f"::error file={_property(result.path)},title=mission test::"
                         f"{_data('cannot read it: ' + result.problem)}")
            continue
        for diagnostic in result.diagnostics:
            line, column = source.location(diagnostic.span.start)
            lines.append(f"::error file={_property(result.path)},line={line},col={column},"
                         f"title={_property(diagnostic.code)}::{_data(diagnostic.message)}")
        for case in result.cases:
            for failure in case.failures:
                place = _place(source, failure)
                message = "\n".join([failure.message, *failure.detail])
                title = f"mission test: {case.name}"
                lines.append(f"::error file={_property(result.path)},line={place['line']},"
                             f"endLine={place['end_line']},col={place['column']},"
                             f"endColumn={place['end_column']},title={_property(title)}::"
                             f"{_data(message)}")
    lines.append(summary(results))
    return "\n".join(lines) + "\n"
