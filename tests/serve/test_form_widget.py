"""The web widget of a form: one labelled input per field, read back and validated with the
engine's own rules (the pages that use it belong to `mission serve`)."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

from compiler import compile_source
from mission.serve.forms import form_field_errors, read_form_fields, render_form_fields
from runtime.orchestration import ExecutionContext, Orchestrator
from tests.conftest import ROOT

FIELDS = [
    {"name": "today", "type": "text", "prompt": "Today <b>?</b>"},
    {"name": "hours", "type": "number", "prompt": "Hours?", "min": 0, "max": 12},
    {"name": "mood", "type": "choose", "prompt": "Mood?", "options": ["good", "\"tired\""]},
    {"name": "blocked", "type": "confirm", "prompt": "Blocked?"},
    {"name": "due", "type": "date", "prompt": "Due?"},
]
QUESTION = {"step_id": "ask", "type": "form", "prompt": "Stand-up", "fields": FIELDS}


class Inputs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.controls: list[dict[str, Any]] = []
        self.labels: dict[str, str] = {}
        self.texts: list[str] = []
        self._label: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag in ("input", "select"):
            self.controls.append({"tag": tag, **found})
        if tag == "label" and found.get("for"):
            self._label = found["for"]

    def handle_data(self, data: str) -> None:
        self.texts.append(data)
        if self._label is not None:
            self.labels[self._label] = self.labels.get(self._label, "") + data

    def handle_endtag(self, tag: str) -> None:
        if tag == "label":
            self._label = None


def parsed(page: str) -> Inputs:
    inputs = Inputs()
    inputs.feed(page)
    inputs.close()
    return inputs


def test_each_field_has_one_labelled_input_of_its_type() -> None:
    page = render_form_fields(QUESTION)
    assert "<b>" not in page and "Today &lt;b&gt;?&lt;/b&gt;" in page
    inputs = parsed(page)
    kinds = [(c["tag"], c.get("type"), c["name"]) for c in inputs.controls]
    assert kinds == [("input", "text", "answer.today"), ("input", "number", "answer.hours"),
                     ("select", None, "answer.mood"), ("input", "radio", "answer.blocked"),
                     ("input", "radio", "answer.blocked"), ("input", "date", "answer.due")]
    number = inputs.controls[1]
    assert (number["min"], number["max"]) == ("0", "12")
    assert inputs.labels == {"field-0": "Today <b>?</b>", "field-1": "Hours?", "field-2": "Mood?",
                             "field-3": "Blocked?", "field-4": "Due?"}
    assert all(f'id="field-{i}"' in page for i in range(5))  # every label points at an input


def test_a_submitted_form_is_read_validated_and_answers_the_step() -> None:
    submitted = {"answer.today": "Ship", "answer.hours": "13", "answer.mood": "good",
                 "answer.blocked": "no", "answer.due": "2026-12-24", "csrf": "x"}
    answer = read_form_fields(submitted)
    assert answer == {"today": "Ship", "hours": "13", "mood": "good", "blocked": "no",
                      "due": "2026-12-24"}
    errors = form_field_errors(QUESTION, answer)
    assert errors == {"hours": "the answer must be at most 12, not 13"}
    page = render_form_fields(QUESTION, answer, errors)
    assert '<p class="field-error" id="field-1-error">the answer must be at most 12, not 13</p>' \
        in page
    assert 'value="Ship"' in page and 'value="no" checked' in page
    assert form_field_errors(QUESTION, {**answer, "hours": "8"}) == {}
    text = (ROOT / "examples" / "standup.mission").read_text(encoding="utf-8")
    workflow = compile_source(text, "standup.mission").workflow
    assert workflow is not None
    waiting = Orchestrator().run_workflow(workflow, ExecutionContext(params={"who": "ana"}))
    assert waiting.question is not None and waiting.question["type"] == "form"
    fields = {"answer.yesterday": "Notes", "answer.today": "Ship", "answer.blocked": "yes"}
    answered = Orchestrator().run_workflow(workflow, ExecutionContext(
        params={"who": "ana"}, answers={"standup": read_form_fields(fields)}))
    assert answered.success and answered.final_state["help"] == ["ana"]


def test_a_field_that_may_be_left_out_is_not_required_and_says_so() -> None:
    question = {**QUESTION, "fields": [
        FIELDS[0], {"name": "note", "type": "text", "prompt": "Note?", "optional": True},
        {"name": "ok", "type": "confirm", "prompt": "OK?", "optional": True},
        {"name": "pick", "type": "choose", "prompt": "Pick?", "options": ["a"],
         "optional": True}]}
    inputs = parsed(render_form_fields(question))
    required = {c["name"]: "required" in c for c in inputs.controls}
    assert required == {"answer.today": True, "answer.note": False, "answer.ok": False,
                        "answer.pick": False}
    assert "(may be left out)" in inputs.labels["field-1"]
    answer = read_form_fields({"answer.today": "Ship", "answer.note": "", "answer.pick": ""})
    assert form_field_errors(question, answer) == {}
