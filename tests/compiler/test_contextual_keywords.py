"""Keywords are contextual: each is a name wherever the grammar takes a name.

Every keyword is tried as every kind of name (mission, param, input, step id,
group, record field, map key, argument, form field, state path): both parsers
build the same tree, the mission compiles, the formatter keeps it and is
idempotent, the highlighters colour it as a name and the editor's hover does
not explain it as the keyword. Only `true`, `false` and `null` stay reserved
as declared names (E002).
"""

from __future__ import annotations

import pytest
from lsprotocol import types
from pygments.lexers import get_lexer_by_name
from pygments.token import Keyword, Name, is_token_subtype

from compiler import compile_source
from compiler.format import format_source
from compiler.syntax import RESERVED_NAMES
from mission.lsp import features
from mission.lsp.features import Snapshot
from tests.editor.generate import KEYWORDS
from tests.editor.test_highlighting import textmate_scopes
from tests.perf.test_fastparse import check_agreement

CONTEXTUAL = sorted(KEYWORDS - RESERVED_NAMES)

# Each kind of name, with `{w}` where the keyword goes; every one compiles cleanly.
PLACES = {
    "mission": 'mission {w} {{ version 1 runtime s {{ noop() }} }}',
    "param": 'mission m {{ version 1 param {w}: str = "x" '
             'runtime s {{ set(at: state.out, value: param.{w}) }} }}',
    "input": 'mission m {{ version 1 input {w}: str = "x" '
             'runtime s {{ set(at: state.out, value: state.{w}) }} }}',
    "step": 'mission m {{ version 1 runtime {w} "d" {{ noop() }} }}',
    "group": 'mission m {{ version 1 human s by {w} {{ confirm("Go?") -> state.ok }} '
             'runtime t when state.ok {{ noop() }} }}',
    "field": 'mission m {{ version 1 input rows: list[{{{w}: str}}] = [] '
             'runtime s {{ set(at: state.out, value: state.rows) }} }}',
    "map key": 'mission m {{ version 1 runtime s {{ set(at: state.out, value: {{{w}: 1}}) }} }}',
    "form field": 'mission m {{ version 1 human s {{ form("F", fields: {{{w}: text("?")}}) '
                  '-> state.f }} runtime t {{ set(at: state.out, value: state.f.{w}) }} }}',
    "state path": 'mission m {{ version 1 runtime s {{ set(at: state.out.{w}, value: 1) }} }}',
}


def compiled(text: str) -> list[str]:
    return [d.code for d in compile_source(text, "t.mission").diagnostics if d.code[0] == "E"]


@pytest.mark.parametrize("word", CONTEXTUAL)
def test_each_keyword_is_each_kind_of_name(word: str) -> None:
    for place, template in PLACES.items():
        text = template.format(w=word)
        assert check_agreement(text) is not None, (word, place)  # both parsers, one tree
        assert compiled(text) == [], (word, place)
        formatted = format_source(text)
        assert format_source(formatted) == formatted, (word, place)
        assert compiled(formatted) == [], (word, place)


def test_a_keyword_is_an_argument_name_where_an_operation_has_one() -> None:
    # The argument-name position also takes the expression keywords (`if`, `not`, ...).
    for word in CONTEXTUAL:
        text = f'mission m {{ version 1 runtime s {{ noop({word}: 1) }} }}'
        assert check_agreement(text) is not None, word
        assert compiled(text) == ["E010"], word  # `noop` has no such argument: not a parse error


def test_keyword_names_compile_to_the_names_they_spell() -> None:
    text = ('mission release "r" { version 1 param version: str input state: map = {} '
            'runtime when "w" { set(at: state.then, value: {version: param.version, '
            'if: state.state}) } }')
    result = compile_source(text, "t.mission")
    assert result.workflow is not None
    payload = result.workflow.to_dict()["steps"][0]
    assert payload["id"] == "when"
    assert payload["payload"]["args"]["value"]["map"]["version"] == {"ref": "param.version"}
    assert result.workflow.to_dict()["metadata"]["declarations"]["params"]["version"] == {
        "type": "str"}


@pytest.mark.parametrize("word", sorted(RESERVED_NAMES))
def test_the_literal_words_stay_reserved_as_declared_names(word: str) -> None:
    for place in ("mission", "param", "input", "step", "form field"):
        codes = compiled(PLACES[place].format(w=word))
        assert "E002" in codes, (word, place)
    # ... but are still map keys, as they always were
    assert compiled(PLACES["map key"].format(w=word)) == []


def _pygments(text: str) -> dict[str, list[object]]:
    kinds: dict[str, list[object]] = {}
    for kind, value in get_lexer_by_name("mission").get_tokens(text):
        kinds.setdefault(value, []).append(kind)
    return kinds


def test_pygments_colours_a_keyword_in_a_name_position_as_a_name() -> None:
    text = ('mission m { version 1 param version: str\n'
            '  human when "d" by input {\n'
            '    confirm("?", show: {if: param.version}) -> state.then\n  }\n}')
    kinds = _pygments(text)
    assert [is_token_subtype(k, Keyword) for k in kinds["version"]] == [True, False, False]
    assert not any(is_token_subtype(k, Keyword) for k in kinds["when"])
    assert all(is_token_subtype(k, Name) for k in kinds["input"])
    assert all(is_token_subtype(k, Name) for k in kinds["if"])
    assert all(is_token_subtype(k, Name) for k in kinds["then"])
    assert is_token_subtype(kinds["by"][0], Keyword)


def test_textmate_colours_a_keyword_in_a_name_position_as_a_name() -> None:
    scope, _ = textmate_scopes(
        'human when "d" by input { confirm(if: param.version, then: state.item) }')
    assert scope["when"] == "entity.name.function.step.mission"
    assert scope["by"] == "keyword.control.when.mission"
    assert scope["input"] == "entity.name.tag.group.mission"
    assert scope["if"] == scope["then"] == "variable.parameter.argument.mission"
    assert scope["version"] == scope["item"] == "variable.other.property.mission"
    _, declaration = textmate_scopes("param version: str")
    assert ("version", "variable.other.declaration.mission") in declaration
    _, keyword = textmate_scopes("when state.x")
    assert ("when", "keyword.control.when.mission") in keyword


def _hover(text: str, needle: str, nth: int = 0) -> str:
    snapshot = Snapshot.build("file:///t.mission", text)
    offset = -1
    for _ in range(nth + 1):
        offset = text.index(needle, offset + 1)
    found = features.hover(snapshot, snapshot.lines.position(offset + 1))
    assert found is None or isinstance(found.contents, types.MarkupContent)
    return "" if found is None else str(found.contents.value)  # type: ignore[union-attr]


def test_hover_explains_a_keyword_named_param_as_the_param() -> None:
    text = ('mission m { version 1 param version: str\n'
            '  runtime s { set(at: state.o, value: {version: param.version}) } }')
    assert _hover(text, "version", 0).startswith("`version 1`")  # the keyword itself
    assert "param version: str" in _hover(text, "version", 1)
    assert "the language version" not in _hover(text, "version", 2)  # a map key
    assert "param version: str" in _hover(text, "version", 3)


def test_after_a_syntax_error_the_recovery_keeps_the_items_named_by_keywords() -> None:
    text = ('mission m "M" {\n    version 1\n    runtime a "A" {\n'
            '        set(at: state.x value: 1)\n    }\n    param version: str\n'
            '    runtime when "W" {\n        set(at: state.y, value: param.version)\n    }\n'
            '    human by "B" {\n        form("F", fields: {if: text("?")}) -> state.then\n    }\n'
            '    runtime z "Z" when state.then.if == "" {\n'
            '        set(at: state.w, value: state.x)\n    }\n}\n')
    result = compile_source(text, "t.mission")
    assert [d.code for d in result.diagnostics if d.code[0] == "E"] == ["E001"]
    assert result.mission is not None
    assert [step.id.text for step in result.mission.steps] == ["when", "by", "z"]
    assert [d.name.text for d in result.mission.params] == ["version"]
