"""Highlighting: the Pygments lexer (through its entry point) and the VS Code package."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from pygments.lexers import get_lexer_by_name, get_lexer_for_filename
from pygments.token import (
    Comment,
    Error,
    Keyword,
    Name,
    Operator,
    Punctuation,
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
    assert manifest["activationEvents"] == ["onLanguage:mission"]
    assert {"name", "publisher", "version", "engines"} <= set(manifest)  # what vsce needs
    assert manifest["contributes"]["configurationDefaults"]["[mission]"] == {
        "editor.tabSize": 4, "editor.insertSpaces": True}  # the formatter's indentation
    script = (VSCODE / manifest["main"]).read_text(encoding="utf-8")
    assert '["mission", "lsp"]' in script and "LanguageClient" in script
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


def _rules(node: dict[str, Any], repository: dict[str, Any]) -> list[dict[str, Any]]:
    """The rules of a `patterns` list, with `#name` includes resolved."""
    rules: list[dict[str, Any]] = []
    for rule in node.get("patterns", []):
        if "include" in rule:
            target = repository[rule["include"].lstrip("#")]
            rules += _rules(target, repository) if "patterns" in target and \
                "begin" not in target else [target]
        else:
            rules.append(rule)
    return rules


def _scan(line: str, rules: list[dict[str, Any]], repository: dict[str, Any],
          position: int = 0, inside: dict[str, Any] | None = None,
          ) -> tuple[list[tuple[str, str]], int]:
    """TextMate's rule for one line: the earliest match wins, the first rule on a tie;
    text no rule matches takes the scope of the `begin`/`end` rule it is `inside`."""
    found: list[tuple[str, str]] = []
    scope = inside["name"] if inside is not None else ""
    while position < len(line):
        closing = re.compile(inside["end"]).search(line, position) if inside else None
        best: tuple[int, dict[str, Any], re.Match[str]] | None = None
        for rule in rules:
            match = re.compile(rule.get("match") or rule["begin"]).search(line, position)
            if match is not None and (best is None or match.start() < best[0]):
                best = (match.start(), rule, match)
        if closing is not None and (best is None or closing.start() <= best[0]):
            if closing.start() > position:
                found.append((line[position:closing.start()], scope))
            found.append((closing.group(0), scope))
            return found, closing.end()
        if best is None:
            break
        start, rule, match = best
        if start > position:
            found.append((line[position:start], scope))
        captures = rule.get("captures") or rule.get("beginCaptures") or {}
        groups = [(match.group(int(i)), c["name"]) for i, c in captures.items()
                  if match.group(int(i))]
        found += groups or [(match.group(0), rule.get("name", scope))]
        position = max(match.end(), position + 1)
        if "begin" in rule:
            inner, position = _scan(line, _rules(rule, repository), repository, position, rule)
            found += inner
    if position < len(line):
        found.append((line[position:], scope))
    return found, len(line)


def test_the_textmate_grammar_scopes_the_parts_of_a_line() -> None:
    syntax = json.loads((VSCODE / "syntaxes" / "mission.tmLanguage.json")
                        .read_text(encoding="utf-8"))
    line = ('runtime go "x \\"y\\" \\u00e9 \\q # no" when state.a.b == -2.5e3 and '
            'param.n in 1..10 {  # yes "c"')
    scopes, _ = _scan(line, _rules(syntax, syntax["repository"]), syntax["repository"])
    scope = dict(reversed(scopes))  # the first scope of each text
    assert scope["runtime"] == "storage.type.step.mission"
    assert scope["go"] == "entity.name.function.step.mission"
    assert scope['\\"'] == scope["\\u00e9"] == "constant.character.escape.mission"
    assert scope["\\q"] == "invalid.illegal.escape.mission"
    assert ("x ", "string.quoted.double.mission") in scopes
    assert (" # no", "string.quoted.double.mission") in scopes  # a `#` in a string
    assert scope["when"] == "keyword.control.when.mission"
    assert scope["state"] == scope["param"] == "variable.language.mission"
    assert scope["a"] == scope["b"] == scope["n"] == "variable.other.property.mission"
    assert scope["-2.5e3"] == scope["1"] == scope["10"] == "constant.numeric.mission"
    assert scope[".."] == scope["=="] == "keyword.operator.mission"
    assert scope["and"] == scope["in"] == "keyword.operator.logical.mission"
    assert scope['# yes "c"'] == "comment.line.number-sign.mission"


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_the_extension_script_is_valid_javascript() -> None:
    subprocess.run(["node", "--check", str(VSCODE / "extension.js")], check=True)


NULL_SYNTAX = ('mission m "d" {\n    param due: date? = null\n'
               '    input t: list[{id: str, done_on?: date}] = []\n'
               '    runtime r "R" when state.x ?? true {\n'
               '        set(at: state.y, value: param.due ?? "none")\n    }\n}\n')


def test_null_syntax_gets_its_token_types() -> None:
    found = tokens(NULL_SYNTAX)
    assert [value for kind, value in found if is_token_subtype(kind, Error)] == []
    kinds = [(value, kind) for kind, value in found if value.strip()]
    assert [value for value, _ in kinds].count("??") == 2
    assert all(is_token_subtype(kind, Operator) for value, kind in kinds if value == "??")
    assert any(value == "done_on" and is_token_subtype(kind, Name.Attribute)
               for value, kind in kinds)
    assert all(is_token_subtype(kind, Punctuation) for value, kind in kinds if value == "?")


def textmate_scopes(line: str) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """The VS Code grammar's scopes of one line: the first scope of each text, and all."""
    syntax = json.loads((VSCODE / "syntaxes" / "mission.tmLanguage.json")
                        .read_text(encoding="utf-8"))
    scopes, _ = _scan(line, _rules(syntax, syntax["repository"]), syntax["repository"])
    return dict(reversed(scopes)), scopes


def test_the_textmate_grammar_scopes_null_syntax() -> None:
    scope, _ = textmate_scopes('    input t: list[{id: str, done_on?: date}] = [] when state.x '
                               "?? null")
    assert scope["??"] == "keyword.operator.mission"
    assert scope["?"] == "keyword.operator.optional.mission"
    assert scope["done_on"] == "variable.parameter.argument.mission"


_TIMED = ('human approve "A" by 2 of managers except starter {\n'
          '    confirm("OK?") -> state.ok\n    remind 4 hours before\n'
          '    after 2 days escalate to directors\n    after 1 day answer false\n}\n'
          'runtime log { fail(reason: "x") }\n')


def test_pygments_colours_who_may_answer_and_the_time_limits() -> None:
    found = [(kind, value) for kind, value in tokens(_TIMED) if value.strip()]
    kinds: dict[str, list[_TokenType]] = {}
    for kind, value in found:
        kinds.setdefault(value, []).append(kind)
    for word in ("by", "of", "except", "starter", "remind", "before", "after", "escalate", "to",
                 "answer"):
        assert all(is_token_subtype(kind, Keyword) for kind in kinds[word]), word
    assert kinds["hours"] == kinds["days"] == kinds["day"] == [Keyword.Type]
    assert kinds["managers"] == kinds["directors"] == [Name.Label]
    assert kinds["fail"] == [Name.Function]  # the operation, not the keyword


def test_textmate_colours_who_may_answer_and_the_time_limits() -> None:
    syntax = json.loads((VSCODE / "syntaxes" / "mission.tmLanguage.json")
                        .read_text(encoding="utf-8"))
    rules = _rules(syntax, syntax["repository"])
    scopes: list[tuple[str, str]] = []
    for line in _TIMED.splitlines():
        scopes += _scan(line, rules, syntax["repository"])[0]
    scope = dict(reversed(scopes))
    assert scope["hours"] == scope["days"] == "keyword.other.unit.mission"
    assert scope["managers"] == scope["directors"] == "entity.name.tag.group.mission"
    assert scope["2"] == scope["4"] == "constant.numeric.mission"
    for word in ("remind", "before", "after", "escalate", "to", "answer", "except", "starter"):
        assert scope[word].startswith("keyword."), word
    assert scope["fail"] == "support.function.operation.mission"
