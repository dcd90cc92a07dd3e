"""Forms in the engine: one human step, one answer map validated field by field, and
compiled fields checked before anything is asked."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from compiler import compile_source
from runtime.orchestration import ExecutionContext, Orchestrator
from runtime.orchestration.model import AnswerError
from runtime.orchestration.operations import OPERATIONS, FieldErrors, answer_field
from tests.conftest import ROOT
from tests.runtime.builders import step, workflow

FIELDS = [
    {"name": "today", "type": "text", "prompt": "Today?"},
    {"name": "hours", "type": "number", "prompt": "Hours?", "min": 0, "max": 12},
    {"name": "mood", "type": "choose", "prompt": "Mood?", "options": ["good", "tired"]},
    {"name": "blocked", "type": "confirm", "prompt": "Blocked?"},
    {"name": "due", "type": "date", "prompt": "Due?"},
]
GOOD = {"today": "Ship", "hours": "7.5", "mood": "good", "blocked": "no", "due": "2026-12-24"}


def form_flow(fields: Any = FIELDS) -> Any:
    return workflow(step("ask", "form", {"prompt": "Stand-up", "fields": {"lit": fields}},
                         output="state.standup", kind="human"))


def test_the_standup_example_runs_as_one_human_step() -> None:
    text = (ROOT / "examples" / "standup.mission").read_text(encoding="utf-8")
    compiled = compile_source(text, "standup.mission").workflow
    assert compiled is not None
    assert sum(1 for s in compiled.steps if s.kind == "human") == 1
    answers = {"standup": {"yesterday": "Notes", "today": "Ship", "blocked": True}}
    result = Orchestrator().run_workflow(compiled, ExecutionContext(
        params={"who": "ana"}, answers=answers))
    assert result.success, result.error_message
    assert result.final_state == {"standup": answers["standup"], "help": ["ana"],
                                  "log": [{"who": "ana", "today": "Ship"}]}
    assert result.answers == answers


def test_an_answer_is_validated_field_by_field_into_typed_values() -> None:
    result = Orchestrator().run_workflow(form_flow(), ExecutionContext(answers={"ask": GOOD}))
    assert result.success, result.error_message
    assert result.final_state["standup"] == {"today": "Ship", "hours": 7.5, "mood": "good",
                                             "blocked": False, "due": "2026-12-24"}


def test_every_bad_field_gets_its_own_message_and_nothing_changes() -> None:
    bad = {**GOOD, "hours": "13", "mood": "sad", "due": "24/12/2026", "extra": 1}
    del bad["today"]
    with pytest.raises(AnswerError) as raised:
        Orchestrator().run_workflow(form_flow(), ExecutionContext(answers={"ask": bad}))
    message = str(raised.value)
    assert message.startswith("Step 'ask': 5 fields not accepted: `today`: no answer given; ")
    for part in ("`hours`: the answer must be at most 12, not 13",
                 "`mood`: choose one of good, tired; the str 'sad' is not an option",
                 "`due`: answer with a date like \"2026-11-24\", not the str '24/12/2026'",
                 "`extra`: not a field of this form (its fields: today, hours, mood, blocked, "
                 "due)"):
        assert part in message
    with pytest.raises(FieldErrors) as fields:
        OPERATIONS["form"].answer({"fields": FIELDS}, bad)  # type: ignore[misc]
    assert list(fields.value.problems) == ["today", "hours", "mood", "due", "extra"]


def test_a_whole_answer_may_be_json_text_but_must_be_a_map() -> None:
    validate = OPERATIONS["form"].answer
    assert validate is not None
    assert validate({"fields": FIELDS[:1]}, '{"today": "x"}') == {"today": "x"}
    with pytest.raises(AnswerError, match="answer with a map of the fields today, not the str"):
        validate({"fields": FIELDS[:1]}, "x")


def test_asked_through_the_callback_the_question_lists_the_fields_in_order() -> None:
    seen: list[dict[str, Any]] = []

    def ask(question: dict[str, Any]) -> Any:
        seen.append(question)
        return GOOD if len(seen) > 1 else {**GOOD, "hours": -1}

    result = Orchestrator().run_workflow(form_flow(), ExecutionContext(ask=ask))
    assert result.success, result.error_message
    assert seen[0]["type"] == "form" and seen[0]["fields"] == FIELDS
    assert seen[1]["error"] == "1 field not accepted: `hours`: the answer must be at least 0, " \
                               "not -1"


@pytest.mark.parametrize(("fields", "message"), [
    ([], "`fields` must list at least one field"),
    ([{"name": "a", "type": "text", "prompt": "A"}] * 2, "the field `a` is listed twice"),
    ([{"name": "a", "type": "txt", "prompt": "A"}], "the field `a` has the type the str 'txt'"),
    ([{"name": "a", "type": "text"}], "the field `a` needs a `prompt` (a string)"),
    ([{"name": "a", "type": "text", "prompt": "A", "min": 1}], "the text field `a` takes no min"),
    ([{"name": "a", "type": "number", "prompt": "A", "min": 2, "max": 1}],
     "the field `a`: `min` (2) is greater than `max` (1): no answer could fit"),
    ([{"name": "a", "type": "choose", "prompt": "A", "options": []}],
     "the field `a`: `options` must be a non-empty list of strings"),
    ([{"name": "a", "type": "choose", "prompt": "A"}], "the choose field `a` needs `options`"),
    ([{"type": "text", "prompt": "A"}], "field #1 has no `name`"),
])
def test_hand_written_fields_that_cannot_be_asked_fail_the_step(fields: Any,
                                                                message: str) -> None:
    result = Orchestrator().run_workflow(form_flow(fields), ExecutionContext(
        answers={"ask": {}}))
    assert result.status == "failed" and result.failed_step_id == "ask"
    assert message in str(result.error_message)
    assert result.final_state == {}


_VALUES = st.one_of(st.text(max_size=5), st.integers(-20, 20), st.booleans(), st.none(),
                    st.sampled_from(["good", "yes", "n", "2026-02-30", "2026-02-28", "3"]))


@settings(max_examples=60, deadline=None)
@given(st.dictionaries(st.sampled_from([f["name"] for f in FIELDS] + ["other"]), _VALUES))
def test_a_form_accepts_exactly_the_answers_its_fields_accept(answer: dict[str, Any]) -> None:
    def accepted(field: dict[str, Any]) -> bool:
        try:
            answer_field(field, answer[field["name"]])
        except (AnswerError, KeyError):
            return False
        return True

    expected = all(accepted(field) for field in FIELDS) and set(answer) <= {
        f["name"] for f in FIELDS}
    validate = OPERATIONS["form"].answer
    assert validate is not None
    try:
        value = validate({"fields": FIELDS}, answer)
    except FieldErrors as problem:
        assert not expected
        bad = {f["name"] for f in FIELDS if not accepted(f)} | (set(answer) - {
            f["name"] for f in FIELDS})
        assert set(problem.problems) == bad
    else:
        assert expected and set(value) == {f["name"] for f in FIELDS}


def test_the_messages_for_a_hostile_answer_stay_short() -> None:
    validate = OPERATIONS["form"].answer
    assert validate is not None
    hostile = {**GOOD, **{f"key{index:05}" + "x" * 500: 1 for index in range(10_000)}}
    with pytest.raises(FieldErrors) as raised:
        validate({"fields": FIELDS}, hostile)
    assert len(raised.value.problems) == 6
    assert raised.value.problems["…"] == "and 9995 more keys that are not fields"
    assert len(str(raised.value)) < 2_000


def test_a_json_answer_nested_too_deeply_is_refused_not_a_crash() -> None:
    # Found by the values fuzzer: `--answer standup=[[[[...` reached Python's recursive JSON
    # reader and came out as `internal error: RecursionError`.
    validate = OPERATIONS["form"].answer
    assert validate is not None
    for hostile in ("[" * 100_000, '{"today": ' + "[" * 100_000):
        with pytest.raises(AnswerError, match="answer with a map of the fields today"):
            validate({"fields": FIELDS[:1]}, hostile)


def test_a_deep_form_answer_on_the_command_line_is_a_clear_refusal(tmp_path: Any) -> None:
    from tests.conftest import run_cli

    done = run_cli("run", str(ROOT / "examples" / "standup.mission"), "--no-input",
                   "--param", "who=ana", "--answer", "standup=" + "[" * 100_000,
                   "--store", str(tmp_path / "runs.db"), cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert "internal error" not in done.stderr
    assert "answer with a map of the fields" in done.stderr


OPTIONAL = [*FIELDS[:2], {"name": "note", "type": "text", "prompt": "Note?", "optional": True},
            {"name": "when", "type": "date", "prompt": "When?", "optional": True}]


@pytest.mark.parametrize(("answer", "stored"), [
    ({"today": "Ship", "hours": 7}, {"today": "Ship", "hours": 7}),
    ({"today": "Ship", "hours": 7, "note": None, "when": "  "}, {"today": "Ship", "hours": 7}),
    ({"today": "Ship", "hours": 7, "note": "ok", "when": "2026-12-24"},
     {"today": "Ship", "hours": 7, "note": "ok", "when": "2026-12-24"}),
])
def test_a_field_that_may_be_left_out_is_absent_from_the_answer(
        answer: dict[str, Any], stored: dict[str, Any]) -> None:
    result = Orchestrator().run_workflow(form_flow(OPTIONAL), ExecutionContext(
        answers={"ask": answer}))
    assert result.success and result.final_state["standup"] == stored


def test_a_field_that_may_be_left_out_is_still_checked_when_given() -> None:
    with pytest.raises(AnswerError, match="2 fields not accepted: `today`: no answer given; "
                                          "`when`: answer with a date"):
        Orchestrator().run_workflow(form_flow(OPTIONAL), ExecutionContext(
            answers={"ask": {"hours": 7, "when": "soon"}}))


def test_a_form_field_written_with_a_question_mark_compiles_to_optional() -> None:
    text = """mission review "Review" {
    version 1
    human ask "Ask" {
        form("Review", fields: {mood: text("Mood?"), note?: text("Note?")}) -> state.review
    }
    runtime keep "Keep the note" when state.review.note != null {
        append(to: state.notes, value: state.review.note)
    }
}
"""
    compiled = compile_source(text)
    assert compiled.workflow is not None and compiled.analysis is not None
    assert str(compiled.analysis.state_shapes["review"]) == "{mood: str, note?: str}"
    fields = compiled.workflow.steps[0].payload["args"]["fields"]["lit"]
    assert fields[1] == {"name": "note", "type": "text", "prompt": "Note?", "optional": True}
    unguarded = text.replace(' when state.review.note != null', "")
    assert [d.code for d in compile_source(unguarded).errors] == ["E031"]
