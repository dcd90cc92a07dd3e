"""Highlighting: the Pygments lexer (through its entry point) and the VS Code package."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from pygments.lexers import get_lexer_by_name, get_lexer_for_filename
from pygments.token import (
    Comment,
    Error,
    Keyword,
    Name,
    Operator,
    String,
    _TokenType,
    is_token_subtype,
)

from tests.conftest import ROOT
from tests.editor.generate import KEYWORDS

VSCODE = ROOT / "editors" / "vscode"
MISSIONS = sorted({p.resolve() for p in (
    *ROOT.glob("examples/*.mission"),
    *(Path(__file__).parent / "fmt_cases").glob("*.mission"),
    *(Path(__file__).parent / "graph_cases").glob("*.mission"),
) if p.exists()})


def tokens(text: str) -> list[tuple[_TokenType, str]]:
    return list(get_lexer_by_name("mission", stripnl=False).get_tokens(text))


def test_the_entry_point_registers_the_lexer() -> None:
    lexer = get_lexer_for_filename("daily_loop.mission")
    assert type(lexer).__name__ == "MissionLexer"
    assert type(lexer).__module__ == "mission.pygments_lexer"


@pytest.mark.parametrize("path", MISSIONS, ids=lambda path: path.name)
def test_every_mission_tokenizes_without_errors(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    found = tokens(text)
    assert [value for kind, value in found if is_token_subtype(kind, Error)] == []
    assert "".join(value for _, value in found) == text + ("" if text.endswith("\n") else "\n")


def test_the_parts_of_a_mission_get_their_token_types() -> None:
    text = ('mission m "d" {\n    param n: int = 1  # c\n'
            '    human ask when state.x {\n        confirm("Go\\n?") -> state.ok\n    }\n}\n')
    kinds = {value: kind for kind, value in tokens(text) if value.strip()}
    expected = {"mission": Keyword.Declaration, "m": Name.Namespace, "n": Name.Variable,
                "int": Keyword.Type, "human": Keyword.Declaration, "ask": Name.Label,
                "confirm": Name.Function, "state": Name.Builtin, "\\n": String.Escape,
                "# c": Comment}
    for value, kind in expected.items():
        assert is_token_subtype(kinds[value], kind), value


def test_every_keyword_is_highlighted_as_one() -> None:
    for keyword in sorted(KEYWORDS):
        kind, value = tokens(keyword)[0]
        assert value == keyword, keyword
        assert is_token_subtype(kind, Keyword) or is_token_subtype(kind, Operator.Word), keyword


def test_a_bad_escape_is_an_error_token() -> None:
    assert "\\q" in [value for kind, value in tokens('"bad \\q"') if is_token_subtype(kind, Error)]


def test_the_vscode_manifest_registers_language_grammar_and_server() -> None:
    manifest = json.loads((VSCODE / "package.json").read_text(encoding="utf-8"))
    language = manifest["contributes"]["languages"][0]
    grammar = manifest["contributes"]["grammars"][0]
    assert language["id"] == grammar["language"] == "mission"
    assert language["extensions"] == [".mission"]
    assert (VSCODE / language["configuration"]).is_file()
    assert (VSCODE / manifest["main"]).is_file()
    assert "vscode-languageclient" in manifest["dependencies"]
    assert manifest["contributes"]["configuration"]["properties"][
        "mission.server.command"]["default"] == ["mission", "lsp"]
    syntax = json.loads((VSCODE / grammar["path"]).read_text(encoding="utf-8"))
    assert syntax["scopeName"] == grammar["scopeName"]
    settings = json.loads((VSCODE / language["configuration"]).read_text(encoding="utf-8"))
    assert settings["comments"]["lineComment"] == "#"
    assert ["{", "}"] in settings["brackets"] and ["(", ")"] in settings["brackets"]


def _patterns(node: object) -> list[str]:
    found: list[str] = []
    if isinstance(node, dict):
        found += [node[key] for key in ("match", "begin", "end") if key in node]
        for value in node.values():
            found += _patterns(value)
    elif isinstance(node, list):
        for value in node:
            found += _patterns(value)
    return found


def test_the_textmate_grammar_compiles_and_knows_every_keyword() -> None:
    syntax = json.loads((VSCODE / "syntaxes" / "mission.tmLanguage.json")
                        .read_text(encoding="utf-8"))
    patterns = [re.compile(pattern) for pattern in _patterns(syntax)]
    for keyword in KEYWORDS:
        matches = [p.match(f"{keyword} x") for p in patterns]
        assert any(m is not None and m.group(0).startswith(keyword) for m in matches), keyword


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_the_extension_script_is_valid_javascript() -> None:
    subprocess.run(["node", "--check", str(VSCODE / "extension.js")], check=True)
