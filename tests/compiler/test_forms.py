"""Forms in the compiler: the answer's type has the fields' types, the fields compile to a
list in the order written, and a form is one human step."""

from __future__ import annotations

from typing import Any

from compiler import compile_source

HEADER = 'mission m "M" {\n    version 1\n    param q: str = "Why?"\n'


def mission(*items: str) -> str:
    return HEADER + "\n".join(items) + "\n}\n"


FORM = ('human ask "Ask" { form("F", fields: {today: text("Today?"), hours: number("Hours?", '
        'min: 0, max: 12), blocked: confirm("Blocked?"), due: date("Due?"), '
        'mood: choose("Mood?", options: ["good", "tired"])}) -> state.f }')


def codes(text: str) -> list[str]:
    return [d.code for d in compile_source(text, "m.mission").diagnostics if d.code[0] == "E"]


def payload(text: str, index: int = 0) -> dict[str, Any]:
    result = compile_source(text, "m.mission")
    assert result.workflow is not None, [str(d.message) for d in result.diagnostics]
    return result.workflow.to_dict()["steps"][index]["payload"]  # type: ignore[no-any-return]


def test_each_field_of_the_answer_has_its_question_type() -> None:
    def uses(expression: str, operation: str = "assert", name: str = "condition") -> list[str]:
        return codes(mission(FORM, f'runtime r "R" {{ {operation}({name}: {expression}) }}'))

    assert uses("state.f.blocked") == []
    assert uses("state.f.hours > 3") == []
    assert uses("state.f.today") == ["E011"]  # a str is not a bool
    assert uses("state.f.due") == ["E011"]
    assert codes(mission(FORM, 'runtime r "R" when state.f.mood { noop() }')) == ["E022"]
    assert codes(mission(FORM, 'runtime r "R" { increment(at: state.n, by: state.f.today) }')) \
        == ["E011"]
    assert uses("state.f.hurs") == ["E043"]


def test_a_field_written_later_joins_the_answer_and_a_rewrite_forgets_the_fields() -> None:
    assert codes(mission(FORM, 'runtime a "A" { set(at: state.f.extra, value: true) }',
                         'runtime r "R" { assert(condition: state.f.extra) }')) == []
    assert codes(mission(FORM, 'runtime a "A" { set(at: state.f, value: {x: 1}) }',
                         'runtime r "R" { set(at: state.y, value: state.f.x) }')) == []


def test_fields_compile_to_a_list_in_the_order_written() -> None:
    fields = payload(mission(FORM))["args"]["fields"]
    assert [field["name"] for field in fields["lit"]] == ["today", "hours", "blocked", "due",
                                                          "mood"]
    assert fields["lit"][1] == {"name": "hours", "type": "number", "prompt": "Hours?", "min": 0,
                                "max": 12}
    assert fields["lit"][4]["options"] == ["good", "tired"]
    dynamic = payload(mission('human ask "Ask" { form("F", fields: {why: text(param.q)}) '
                              '-> state.f }'))["args"]["fields"]
    assert dynamic == {"list": [{"map": {"name": "why", "type": "text",
                                         "prompt": {"ref": "param.q"}}}]}


def test_field_arguments_are_checked_like_the_questions_arguments() -> None:
    def field(text: str) -> list[str]:
        return codes(mission(f'human ask "Ask" {{ form("F", fields: {{a: {text}}}) -> state.f }}'))

    assert field('text("A?", show: 1)') == ["E010"]  # the form shows one value for all fields
    assert field("number(min: 1)") == ["E012"]
    assert field('number("A?", min: "low")') == ["E011"]
    assert field('choose("A?", options: ["x"], extra: 1)') == ["E010"]
    assert field('text("A?", "B?")') == ["E018"]
    assert field('"A?" |> text()') == []  # the pipe is the first argument written first
    assert field("[1]") == ["E040"]


def test_a_form_is_one_human_step_and_must_be_stored() -> None:
    assert codes(mission(FORM, FORM.replace("ask", "again").replace("state.f", "state.g"))) == []
    third = 'human more "More" { confirm("More?") -> state.more }'
    assert codes(mission(FORM, FORM.replace("ask", "again").replace("state.f", "state.g"),
                         third)) == ["E004"]
    assert codes(mission(FORM.replace(" -> state.f", ""))) == ["E017"]
    assert codes(mission(FORM.replace("human", "runtime"))) == ["E013"]


def test_keywords_and_reserved_words_as_field_names() -> None:
    text = mission('human ask "Ask" { form("F", fields: {version: text("V?"), if: confirm("?"), '
                   'state: date("D?")}) -> state.then }',
                   'runtime r "R" when state.then.if {\n'
                   '    set(at: state.v, value: state.then.version)\n}')
    assert codes(text) == []
    assert codes(mission('human ask "Ask" { form("F", fields: {null: text("V?")}) '
                         '-> state.f }')) == ["E002"]


def test_an_unused_form_answer_suggests_reading_one_of_its_fields() -> None:
    # A runtime step after the form: the answer is not only the mission's output (W206).
    text = mission(FORM, 'runtime later "Later" { noop() }')
    found = [d for d in compile_source(text, "m.mission").diagnostics if d.code == "W206"]
    assert [d.help for d in found] == [
        ("use its fields in a later step (for example `when state.f.blocked`), or remove the "
         "question",)]
