"""The JSON format keeps the schema it documents (`docs/diagnostics.schema.json`)."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from compiler import compile_source
from compiler.formats import FileReport, Report
from compiler.formats.json_format import SCHEMA_VERSION, render_json

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((ROOT / "docs" / "diagnostics.schema.json").read_text(encoding="utf-8"))
GOLDEN_JSON = sorted((ROOT / "tests" / "golden" / "cases").glob("*.json"))


def test_the_schema_is_a_valid_schema_for_this_version() -> None:
    jsonschema.Draft7Validator.check_schema(SCHEMA)
    assert SCHEMA["properties"]["version"]["const"] == SCHEMA_VERSION


@pytest.mark.parametrize("path", GOLDEN_JSON, ids=[path.name for path in GOLDEN_JSON])
def test_every_golden_report_fits_the_schema(path: Path) -> None:
    jsonschema.Draft7Validator(SCHEMA).validate(json.loads(path.read_text(encoding="utf-8")))


def test_a_report_with_labels_fixes_and_several_files_fits_the_schema() -> None:
    broken = compile_source('mission m {\n    runtime a "A" { prioritise() }\n'
                            '    runtime a "B" { noop() }\n}\n', "a.mission")
    clean = compile_source('mission n "N" {\n    version 1\n}\n', "b.mission")
    report = Report((FileReport(broken.source, broken.diagnostics),
                     FileReport(clean.source, clean.diagnostics)), fixed=0)
    data = json.loads(render_json(report))
    jsonschema.Draft7Validator(SCHEMA).validate(data)
    assert any(d["labels"] for d in data["diagnostics"])
    assert any(d["fix"] for d in data["diagnostics"])
