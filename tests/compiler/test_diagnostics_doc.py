"""docs/diagnostics.md lists every code, generated from the registry and kept current.

Regenerate the list with `MISSION_UPDATE_GOLDENS=1 pytest tests/compiler/test_diagnostics_doc.py`.
"""

from __future__ import annotations

import os

from compiler.rules import all_rules
from tests.conftest import ROOT

DOC = ROOT / "docs" / "diagnostics.md"
START, END = "<!-- codes:start (generated from compiler/rules) -->", "<!-- codes:end -->"


def code_table() -> str:
    lines = ["| code | slug | severity | on by default | autofix | what it reports |",
             "|------|------|----------|---------------|---------|-----------------|"]
    for rule in all_rules():
        lines.append(f"| {rule.code} | `{rule.slug}` | {rule.severity.value} | "
                     f"{'yes' if rule.default else 'no'} | {'yes' if rule.fixable else ''} | "
                     f"{rule.summary} |")
    return "\n".join(lines)


def test_the_list_of_codes_is_current() -> None:
    text = DOC.read_text(encoding="utf-8")
    before, rest = text.split(START)
    _, after = rest.split(END)
    current = f"{before}{START}\n{code_table()}\n{END}{after}"
    if os.environ.get("MISSION_UPDATE_GOLDENS") == "1":
        DOC.write_text(current, encoding="utf-8")
    assert text == current, "regenerate: MISSION_UPDATE_GOLDENS=1 pytest " + __file__


def test_the_documented_options_exist() -> None:
    text = DOC.read_text(encoding="utf-8")
    for option in ("--format", "--strict", "--fix", "--diff", "--no-cache", "--jobs", "--select",
                   "--ignore", "--config", "--color", "--output"):
        assert f"`{option}" in text, option
    for key in ("select", "extend-select", "ignore", "per-file-ignores", "severity", "exclude"):
        assert f"`{key}`" in text, key
