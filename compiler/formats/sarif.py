"""SARIF 2.1.0, as GitHub code scanning reads it.

One run; the driver lists every rule with its documentation (`help`), and
each result points at the file (a URI relative to the current directory),
the region (1-based lines, columns in Unicode code points: `columnKind`),
related locations for secondary labels, and fixes where there is one.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from compiler.ast import Span
from compiler.formats.report import Report
from compiler.source import SourceFile

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVELS = {"error": "error", "warning": "warning", "note": "note"}


def _uri(path: str) -> str:
    absolute = Path(path).resolve()
    try:
        return absolute.relative_to(Path(os.getcwd()).resolve()).as_posix()
    except ValueError:
        return absolute.as_uri()


def _region(source: SourceFile, span: Span) -> dict[str, int]:
    start_line, start_column = source.location(span.start)
    end_line, end_column = source.location(span.end)
    return {"startLine": start_line, "startColumn": start_column,
            "endLine": end_line, "endColumn": end_column}


def _location(uri: str, source: SourceFile, span: Span) -> dict[str, Any]:
    return {"physicalLocation": {"artifactLocation": {"uri": uri},
                                 "region": _region(source, span)}}


def _rules() -> list[dict[str, Any]]:
    from compiler.rules import all_rules

    described = []
    for rule in all_rules():
        described.append({
            "id": rule.code,
            "name": "".join(word.capitalize() for word in rule.slug.split("-")),
            "shortDescription": {"text": rule.summary},
            "fullDescription": {"text": rule.section("## What it does")},
            "help": {"text": f"{rule.section('## What it does')}\n\n{rule.section('## Why')}",
                     "markdown": rule.doc.strip()},
            "defaultConfiguration": {"level": _LEVELS[rule.severity.value],
                                     "enabled": rule.default},
            "properties": {"tags": ["error" if rule.blocks_compilation else "lint"]},
        })
    return described


def render_sarif(report: Report) -> str:
    from compiler.rules import all_codes

    index = {code: position for position, code in enumerate(all_codes())}
    results = []
    for file in report.files:
        uri = _uri(file.path)
        for diagnostic in file.diagnostics:
            result: dict[str, Any] = {
                "ruleId": diagnostic.code,
                "ruleIndex": index[diagnostic.code],
                "level": _LEVELS[diagnostic.severity.value],
                "message": {"text": "\n".join([diagnostic.message,
                                               *(f"help: {h}" for h in diagnostic.help)])},
                "locations": [_location(uri, file.source, diagnostic.span)],
            }
            if diagnostic.labels:
                result["relatedLocations"] = [
                    {"id": number, **_location(uri, file.source, label.span),
                     "message": {"text": label.message}}
                    for number, label in enumerate(diagnostic.labels, start=1)]
            if diagnostic.fix is not None:
                result["fixes"] = [{
                    "description": {"text": diagnostic.fix.message},
                    "artifactChanges": [{
                        "artifactLocation": {"uri": uri},
                        "replacements": [{"deletedRegion": _region(file.source, edit.span),
                                          "insertedContent": {"text": edit.replacement}}
                                         for edit in diagnostic.fix.edits]}]}]
            results.append(result)
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "mission", "version": _version(),
                                "rules": _rules()}},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    }
    return json.dumps(log, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _version() -> str:
    from grammar import PACKAGE_VERSION

    return PACKAGE_VERSION
