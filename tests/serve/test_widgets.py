"""Every question type's widget, rendered by the real templates: labelled, escaped, refillable."""

from __future__ import annotations

import re
from typing import Any

import pytest

pytest.importorskip("jinja2")

from mission.accounts import Session, User
from mission.serve.forms import WIDGETS, widget

QUESTIONS: dict[str, dict[str, Any]] = {
    "confirm": {"type": "confirm", "prompt": "Ship <b>it</b>?", "show": {"v": "<i>1</i>"}},
    "choose": {"type": "choose", "prompt": "Which?", "options": ["stable", "be\"ta"]},
    "number": {"type": "number", "prompt": "How many?", "min": 0, "max": 12},
    "text": {"type": "text", "prompt": "Notes?"},
    "date": {"type": "date", "prompt": "Due <b>when</b>?"},
    "form": {"type": "form", "prompt": "Stand-up <b>now</b>", "fields": [
        {"name": "today", "type": "text", "prompt": "Today <i>?</i>"},
        {"name": "hours", "type": "number", "prompt": "Hours?", "min": 0, "max": 12},
        {"name": "mood", "type": "choose", "prompt": "Mood?", "options": ["good", "ti\"red"]},
        {"name": "blocked", "type": "confirm", "prompt": "Blocked?"},
        {"name": "due", "type": "date", "prompt": "Due?"}]},
    "json": {"type": "some_future_type", "prompt": "Anything?"},
}


def render(question: dict[str, Any], error: str | None = None, given: Any = None) -> str:
    import mission.serve.app as app

    environment = app.template_environment()

    class Record:
        mission, waiting_step_id = "m", "s"

    return environment.get_template("answer.html").render(
        session=Session(User("alice", frozenset()), "csrf-token"), run_id=1, record=Record(),
        question={"step_id": "s", **question}, widget=widget(question).template, group=None,
        error=error, given=given)


def test_every_question_type_has_a_widget_and_the_fallback_is_a_json_box() -> None:
    assert set(WIDGETS) >= {"confirm", "choose", "number", "text"}
    assert widget(QUESTIONS["json"]).template == "json"


@pytest.mark.parametrize("kind", sorted(QUESTIONS))
def test_a_widget_is_labelled_escaped_and_carries_the_csrf_token(kind: str) -> None:
    page = render(QUESTIONS[kind])
    assert 'name="csrf" value="csrf-token"' in page
    assert "<b>" not in page and "<i>" not in page and "<script" not in page
    for field_id in re.findall(r'<(?:input|textarea)[^>]* id="([^"]+)"', page):
        assert f'for="{field_id}"' in page  # every text field has its label
    if kind in ("confirm", "choose"):
        assert "<fieldset" in page and "<legend>" in page  # radios grouped under the prompt
        assert page.count('type="radio"') == 2
    if kind == "choose":
        assert 'value="be&#34;ta"' in page


def test_a_refused_answer_is_shown_by_its_field_and_kept() -> None:
    page = render(QUESTIONS["number"], error="the answer must be at most 12, not 13", given="13")
    assert 'id="answer-error"' in page
    assert 'aria-describedby="answer-hint answer-error"' in page
    assert 'aria-invalid="true"' in page and 'value="13"' in page
    text = render(QUESTIONS["text"], error="too short", given="hi <there>")
    assert "hi &lt;there&gt;</textarea>" in text


def test_a_form_has_one_labelled_input_per_field_and_a_message_by_each_bad_one() -> None:
    from mission.serve.forms import read_form_fields

    question = QUESTIONS["form"]
    page = render(question)
    for index, name in enumerate(["today", "hours", "mood", "blocked", "due"]):
        assert f'for="field-{index}"' in page and f'id="field-{index}"' in page
        assert f'name="answer.{name}"' in page
    assert 'type="number" id="field-1" name="answer.hours" value="" min="0" max="12"' in page
    assert 'type="date" id="field-4"' in page and "<select" in page
    # Sent back with two bad fields: refilled, and each bad field has its own message.
    sent = read_form_fields({"csrf": "x", "answer.today": "ship <it>", "answer.hours": "13",
                             "answer.mood": "good", "answer.blocked": "yes",
                             "answer.due": "soon"})
    assert sent == {"today": "ship <it>", "hours": "13", "mood": "good", "blocked": "yes",
                    "due": "soon"}
    page = render(question, error="2 fields not accepted", given=sent)
    assert 'value="ship &lt;it&gt;"' in page
    errors = re.findall(r'<p class="field-error" id="(field-\d)-error">', page)
    assert errors == ["field-1", "field-4"]
    assert 'aria-invalid="true" aria-describedby="field-1-error"' in page
