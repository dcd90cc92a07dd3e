"""The language features as functions of a document (the stdio test covers the wiring)."""

from __future__ import annotations

import dataclasses

from hypothesis import given, settings
from hypothesis import strategies as st
from lsprotocol import types

from compiler.ast import Span
from compiler.diagnostics import Diagnostic, Edit, Fix, Severity
from mission.lsp import features
from mission.lsp.context import completion_context
from mission.lsp.features import Snapshot
from mission.lsp.positions import LineIndex

DAILY = """# A copy of the daily loop, so that line numbers stay put.
mission daily_loop "Daily planning loop" {
    version 1

    param today: date                # today's ISO date, given by the caller
    param top_n: int in 1..10 = 3    # how many priorities to keep

    input tasks: list = []           # the task list, from the initial state

    runtime summarise_yesterday "Summarise yesterday's activities" {
        summarize(tasks: state.tasks, today: param.today) -> state.summary
    }

    runtime generate_priorities "Generate today's priorities" {
        prioritize(tasks: state.tasks, limit: param.top_n) -> state.priorities
    }

    human confirm_priorities "Confirm today's priorities" {
        confirm("Work on these today?", show: state.priorities) -> state.confirmed
    }

    runtime log_summary "Log the day" when state.confirmed {
        append(
            to: state.log,
            value: {day: param.today, summary: state.summary, priorities: state.priorities},
        )
    }
}
"""
URI = "file:///tmp/daily_loop.mission"


def at(text: str, needle: str, after: int = 0) -> types.Position:
    return LineIndex(text).position(text.index(needle) + after)


def hover_text(text: str, needle: str, after: int = 1) -> str:
    found = features.hover(Snapshot.build(URI, text), at(text, needle, after))
    assert found is not None
    assert isinstance(found.contents, types.MarkupContent)
    return found.contents.value


@settings(max_examples=100, deadline=None)
@given(st.text(st.characters(exclude_categories=["Cs"])), st.sampled_from(
    [types.PositionEncodingKind.Utf8, types.PositionEncodingKind.Utf16,
     types.PositionEncodingKind.Utf32]))
def test_positions_round_trip_in_every_encoding(text: str, encoding: str) -> None:
    index = LineIndex(text, encoding)
    for offset in range(len(text) + 1):
        if offset and text[offset - 1] == "\r" and text[offset:offset + 1] == "\n":
            continue
        assert index.offset(index.position(offset)) == offset


def test_utf16_columns_count_surrogate_pairs() -> None:
    index = LineIndex('a "😀" b', types.PositionEncodingKind.Utf16)
    assert index.position(6) == types.Position(0, 7)
    assert LineIndex('a "😀" b', types.PositionEncodingKind.Utf8).position(6) == \
        types.Position(0, 9)


def test_hover_on_state_says_its_type_and_who_writes_and_reads_it() -> None:
    text = hover_text(DAILY, "state.priorities) -> state.confirmed", 8)
    assert text.startswith("`state.priorities`: list")
    assert "written by `generate_priorities` (line 15)" in text
    assert "read on lines 19, 25" in text


def test_hover_on_params_arguments_kinds_and_steps() -> None:
    assert "param top_n: int in 1..10 = 3" in hover_text(DAILY, "param.top_n", 7)
    assert "read on line 15" in hover_text(DAILY, "param.top_n", 7)
    assert "argument of `prioritize`" in hover_text(DAILY, "limit:")
    assert "person answers" in hover_text(DAILY, "human confirm")
    assert hover_text(DAILY, "confirm_priorities").startswith(
        "human step `confirm_priorities`: Confirm today's priorities")
    assert "language version" in hover_text(DAILY, "version 1")


def test_hover_on_an_operation_works_in_a_file_that_does_not_parse() -> None:
    broken = "mission m {\n    runtime a { append(to: state.x, value: 1\n"
    assert "Appends `value` to the list at `to`" in hover_text(broken, "append(")


def test_completion_of_arguments_leaves_out_those_given() -> None:
    text = DAILY.replace("prioritize(tasks: state.tasks, ", "prioritize(tasks: state.tasks, , ")
    position = at(text, "prioritize(tasks: state.tasks, ,", len("prioritize(tasks: state.tasks, "))
    items = features.completion(Snapshot.build(URI, text), position).items
    labels = [item.label for item in items]
    assert "limit" in labels and "tasks" not in labels
    assert "param.top_n" in labels and "state.summary" in labels
    limit = next(item for item in items if item.label == "limit")
    assert limit.insert_text == "limit: " and limit.detail == "int (optional)"


def test_completion_of_operations_follows_the_step_kind_and_offers_snippets() -> None:
    text = "mission m {\n    version 1\n    human ask {\n        \n    }\n}\n"
    position = at(text, "{\n        \n", 10)
    items = features.completion(Snapshot.build(URI, text), position).items
    assert {item.label for item in items} == {"confirm", "choose", "text", "number", "date", "form"}
    confirm = next(item for item in items if item.label == "confirm")
    assert confirm.insert_text == "confirm(prompt: ${1}) -> state.${2:confirm_result}"
    plain = features.completion(Snapshot.build(URI, text), position, snippets=False).items
    assert all(item.insert_text is None for item in plain)


def test_completion_of_types_keywords_and_the_mission() -> None:
    assert completion_context("mission m {\n  param a: ", 23).kind == "type"
    text = "mission m {\n    version 1\n    \n}\n"
    labels = {item.label for item in features.completion(
        Snapshot.build(URI, text), at(text, "\n    \n", 5)).items}
    assert labels == {"version", "param", "input", "runtime", "human"}
    assert [item.label for item in features.completion(
        Snapshot.build(URI, ""), types.Position(0, 0)).items] == ["mission"]


def test_references_of_a_param() -> None:
    snapshot = Snapshot.build(URI, DAILY)
    found = features.references(snapshot, at(DAILY, "param today", 7), True)
    assert [location.range.start.line for location in found] == [4, 10, 24]


def test_code_actions_carry_the_diagnostic_fix() -> None:
    text = DAILY.replace("prioritize(", "prioritise(")
    snapshot = Snapshot.build(URI, text)
    start = text.index("prioritise")
    fixed = Diagnostic("E006", Severity.ERROR, "unknown operation `prioritise`",
                       Span(start, start + 10),
                       fix=Fix("use `prioritize`", (Edit(Span(start, start + 10), "prioritize"),)))
    snapshot = dataclasses.replace(snapshot, result=snapshot.result.replace(
        diagnostics=(fixed,)))
    cursor = at(text, "prioritise", 3)
    actions = features.code_actions(snapshot, types.Range(cursor, cursor))
    assert len(actions) == 1
    assert actions[0].title == "use `prioritize`"
    assert actions[0].edit is not None and actions[0].edit.changes is not None
    edit = actions[0].edit.changes[URI][0]
    assert edit.new_text == "prioritize" and edit.range.start == at(text, "prioritise")
    assert features.code_actions(snapshot, types.Range(types.Position(0, 0),
                                                       types.Position(0, 1))) == []


def test_formatting_of_formatted_text_changes_nothing() -> None:
    from compiler.format import format_source

    tidy = format_source(DAILY)
    assert features.formatting(Snapshot.build(URI, tidy)) == []


FORM = ('mission m "M" {\n    version 1\n    human ask "Ask" {\n'
        '        form("F", fields: {today: text("Today?"), hours: }) -> state.f\n    }\n}\n')


def test_completion_and_hover_in_a_form() -> None:
    snapshot = Snapshot.build(URI, FORM)
    items = features.completion(snapshot, at(FORM, "hours: ", 7)).items
    assert [item.label for item in items] == ["choose", "confirm", "date", "number", "text"]
    number = next(item for item in items if item.label == "number")
    assert number.detail == "number(prompt: str, min?: number, max?: number) -> number"  # no show
    choose = next(item for item in items if item.label == "choose")
    assert choose.insert_text == 'choose("${1:prompt}", options: ${2})'
    operations = {item.label for item in features.completion(
        Snapshot.build(URI, FORM.replace('form("F", fields: {today: text("Today?"), hours: }) '
                                         "-> state.f", "")),
        at(FORM, "        form", 8)).items}
    assert {"form", "date", "confirm"} <= operations
    form = next(item for item in features.completion(
        Snapshot.build(URI, "mission m {\n    version 1\n    human ask {\n        \n    }\n}\n"),
        types.Position(3, 8)).items if item.label == "form")
    assert form.insert_text == \
        'form("${1:prompt}", fields: {${2:name}: text("${3:question}")}) -> state.${4:form_result}'
    hover = features.hover(snapshot, at(FORM, "form(", 1))
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    assert "form(prompt: str, fields: list, show?: any) -> map" in hover.contents.value
    assert "validated field by field" in hover.contents.value
    field = features.hover(snapshot, at(FORM, 'text("Today', 1))
    assert field is not None and isinstance(field.contents, types.MarkupContent)
    assert "text(prompt: str, show?: any) -> str" in field.contents.value


TRIAGE = """mission triage "Triage" {
    version 1
    input bugs: list[{id: str, severity: int}] = []
    runtime rank "Rank" {
        set(at: state.top, value: state.bugs |> sort(by: desc(item.severity)) |> take(3))
    }
}
"""


def test_hover_on_a_data_operation_inside_an_expression() -> None:
    text = hover_text(TRIAGE, "sort(")
    assert text.startswith("```mission\nsort(list: list, by: any per item) -> list")
    assert "*data operation, in any expression or as a runtime step*" in text
    assert "`by` (any, per item: reads `item`)" in text
    assert "Marks a key of `sort`'s `by` as descending" in hover_text(TRIAGE, "desc(")


def test_completion_offers_data_operations_and_item_where_a_value_goes() -> None:
    text = TRIAGE.replace("by: desc(item.severity)", "by: ")
    position = at(text, "by: ", 4)
    items = {item.label: item for item in features.completion(
        Snapshot.build(URI, text), position).items}
    assert {"item", "desc", "filter", "count", "format", "state.bugs"} <= set(items)
    assert items["count"].insert_text == "count($0)"
    plain = TRIAGE.replace("value: state.bugs |>", "value: ")
    labels = {item.label for item in features.completion(
        Snapshot.build(URI, plain), at(plain, "value: ", 7)).items}
    assert "filter" in labels and "item" not in labels and "desc" not in labels


def test_hover_on_item_gives_the_field_type_from_the_element_type() -> None:
    text = hover_text(TRIAGE, "item.severity", 6)
    assert text == "`item.severity`: int\n\nthe current element is `{id: str, severity: int}`"
    outside = TRIAGE.replace("set(at: state.top,", "set(at: state.top, other: item,")
    assert hover_text(outside, "item,", 1).startswith("`item`: the current element, inside")


HANDOVER = """mission handover "Hand over" {
    version 1

    param due: date? = null

    input roster: list[{name: str, available: bool, phone?: str}] = []

    runtime pick "Pick" {
        first(filter(state.roster, where: item.available)) -> state.next
    }

    runtime note "Note" when state.next != null {
        set(at: state.note, value: state.next.name ?? "nobody")
    }

    runtime update "Update" {
        update(state.roster, where: item.available, with: merge(item, {available: false}))
            -> state.roster
    }
}
"""


TIMED = """mission expense "Approve an expense" {
    version 1

    human approve "Approve" by 2 of managers except starter {
        confirm("Approve?") -> state.approved
        remind 4 hours before
        after 2 days escalate to after
        after 1 day answer false
    }

    runtime record "Record" when state.approved {
        append(to: state.log, value: "approved")
    }
}
"""


def test_hover_shows_types_that_may_be_null_and_fields_that_may_be_absent() -> None:
    assert hover_text(HANDOVER, "state.next", 7).startswith(
        "`state.next`: {name: str, available: bool, phone?: str}?")
    assert hover_text(HANDOVER, "param due", 7).startswith("```mission\nparam due: date? = null")
    coalesce = hover_text(HANDOVER, "??", 1)
    assert coalesce.startswith("`A ?? B`: A, or B when A is null")
    assert "first(list: list) -> any?" in hover_text(HANDOVER, "first(", 1)
    assert hover_text(HANDOVER, "item.available, with", 6).startswith("`item.available`: bool")


def test_completion_offers_the_new_operations_and_item_in_map_and_update() -> None:
    text = HANDOVER.replace("with: merge(item, {available: false})", "with: ")
    labels = {item.label for item in features.completion(
        Snapshot.build(URI, text), at(text, "with: ", 6)).items}
    assert {"item", "map", "update", "first", "round", "floor", "ceil", "abs"} <= labels
    after = HANDOVER.replace('state.next.name ?? "nobody"', "state.next.name ?? ")
    values = {item.label for item in features.completion(
        Snapshot.build(URI, after), at(after, "?? ", 3)).items}
    assert {"state.next", "param.due", "null"} <= values


def test_the_e044_fix_is_a_quick_fix() -> None:
    text = HANDOVER.replace('runtime note "Note" when state.next != null {',
                            'runtime note "Note" {').replace(' ?? "nobody"', "")
    snapshot = Snapshot.build(URI, text)
    (diagnostic,) = [d for d in snapshot.result.diagnostics if d.code == "E031"]
    actions = features.code_actions(snapshot, snapshot.lines.range(diagnostic.span))
    (action,) = [a for a in actions if "guard the step" in a.title]
    assert action.edit is not None and action.edit.changes is not None
    (edit,) = action.edit.changes[URI]
    assert edit.new_text == " when state.next != null"


def test_hover_on_durations_says_how_long_and_when_each_deadline_is_due() -> None:
    assert hover_text(TIMED, "4 hours") == (
        "`4 hours` (14,400 seconds): a reminder that long before each deadline of the step."
        "\n\nDurations are exact: a day is 24 hours, a week 7 days.")
    first = hover_text(TIMED, "2 days")
    assert first.startswith("`2 days` (172,800 seconds): deadline 1 of `approve`, due 2 days "
                            "after the step starts waiting.")
    second = hover_text(TIMED, "1 day", 3)
    assert second.startswith("`1 day` (86,400 seconds): deadline 2 of `approve`, due 1 day "
                             "after the escalation to `after`; 3 days after the step starts "
                             "waiting, if nobody answers.")


def test_hover_on_groups_and_on_the_new_keywords() -> None:
    assert hover_text(TIMED, "managers") == (
        "`approve` is answered by 2 distinct people of the group `managers` "
        "(`mission serve` keeps its members)")
    # a group spelled like a keyword is the group
    assert hover_text(TIMED, "to after", 4).startswith(
        "`after`: deadline 1 of `approve` moves the question to this group")
    for word, start in (("remind", "`remind DURATION before`"), ("before", "`remind DURATION"),
                        ("escalate", "`after DURATION escalate to GROUP`"),
                        ("answer", "`after DURATION answer VALUE`"),
                        ("except", "`except starter`"), ("starter", "`except starter`"),
                        ("of ", "`by N of GROUP`"), ("after 1", "`after DURATION ACTION`")):
        assert hover_text(TIMED, word).startswith(start), word
    failing = TIMED.replace("answer false", "fail")
    assert hover_text(failing, "fail").startswith('`after DURATION fail "REASON"`')


def _completed(text: str) -> list[str]:
    snapshot = Snapshot.build(URI, text)
    position = snapshot.lines.position(len(text))
    return [item.label for item in features.completion(snapshot, position).items]


HEAD = 'mission m "M" {\n    version 1\n    human ask "Ask" '
BODY = HEAD + '{\n        confirm("OK?") -> state.ok\n        '


def test_completion_in_a_step_head_offers_who_may_answer() -> None:
    assert _completed(HEAD) == ["by", "except starter", "when"]
    assert _completed(HEAD + "by managers ") == ["except starter", "when"]
    assert _completed(HEAD + "by 2 ") == ["of"]
    assert _completed(HEAD + "by 2 of managers except ") == ["starter"]
    assert _completed(HEAD.replace("human", "runtime")) == ["when"]


def test_completion_of_time_limits_after_a_human_step_question() -> None:
    assert _completed(BODY) == ["remind", "after"]
    assert _completed(BODY + "remind 1 ") == ["minute", "hour", "day", "week"]
    assert _completed(BODY + "remind 4 ") == ["minutes", "hours", "days", "weeks"]
    assert _completed(BODY + "remind 4 hours ") == ["before"]
    assert _completed(BODY + "remind 4 hours before\n        ") == ["after"]
    assert _completed(BODY + "after 2 days ") == ["answer", "fail", "escalate to"]
    assert _completed(BODY + "after 2 days escalate ") == ["to"]
    assert _completed(BODY + "after 2 days escalate to directors\n        ") == ["after"]
    assert _completed(BODY + "after 2 days answer ") == ["true", "false"]
    assert _completed(BODY + "after 2 days fail\n        ") == []  # the step is decided
    runtime = BODY.replace("human", "runtime").replace('confirm("OK?") -> state.ok', "noop()")
    assert _completed(runtime) == []
    snapshot = Snapshot.build(URI, BODY)
    after = next(item for item in features.completion(
        snapshot, snapshot.lines.position(len(BODY))).items if item.label == "after")
    assert after.insert_text == "after ${1:2} ${2:days} ${3|fail,answer,escalate to|}"
