"""The JSON format: one object, stable keys, documented in docs/diagnostics.md.

    {"version": 1,
     "diagnostics": [{"path", "code", "slug", "severity", "message", "label",
                      "span": {"start", "end"},                 # character offsets
                      "range": {"start": {"line", "column"}, "end": {...}},  # 1-based
                      "labels": [{"message", "span", "range"}],
                      "help": [...],
                      "fix": null | {"message", "edits": [{"span", "range", "replacement"}]}}],
     "summary": {"files", "errors", "warnings", "notes", "fixable", "fixed"}}

Columns count Unicode code points. Keys are sorted; the output ends with a newline.
"""

from __future__ import annotations

import json
from typing import Any

from compiler.ast import Span
from compiler.diagnostics import Diagnostic, Severity
from compiler.formats.report import Report
from compiler.source import SourceFile

SCHEMA_VERSION = 1


def _range(source: SourceFile, span: Span) -> dict[str, dict[str, int]]:
    start_line, start_column = source.location(span.start)
    end_line, end_column = source.location(span.end)
    return {"start": {"line": start_line, "column": start_column},
            "end": {"line": end_line, "column": end_column}}


def _place(source: SourceFile, span: Span) -> dict[str, Any]:
    return {"span": {"start": span.start, "end": span.end}, "range": _range(source, span)}


def diagnostic_json(diagnostic: Diagnostic, source: SourceFile) -> dict[str, Any]:
    from compiler.rules import find_rule

    rule = find_rule(diagnostic.code)
    fix = None
    if diagnostic.fix is not None:
        fix = {"message": diagnostic.fix.message,
               "edits": [{**_place(source, edit.span), "replacement": edit.replacement}
                         for edit in diagnostic.fix.edits]}
    return {
        "path": source.path, "code": diagnostic.code, "slug": rule.slug if rule else "",
        "severity": diagnostic.severity.value, "message": diagnostic.message,
        "label": diagnostic.label, **_place(source, diagnostic.span),
        "labels": [{"message": label.message, **_place(source, label.span)}
                   for label in diagnostic.labels],
        "help": list(diagnostic.help), "fix": fix,
    }


def render_json(report: Report) -> str:
    data = {
        "version": SCHEMA_VERSION,
        "diagnostics": [diagnostic_json(d, file.source)
                        for file in report.files for d in file.diagnostics],
        "summary": {"files": len(report.files), "errors": report.count(Severity.ERROR),
                    "warnings": report.count(Severity.WARNING),
                    "notes": report.count(Severity.NOTE), "fixable": report.fixable,
                    "fixed": report.fixed},
    }
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
