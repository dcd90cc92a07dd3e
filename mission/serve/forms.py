"""One form widget per question type: the template that draws it, and how to read it back.

A question (`runtime.orchestration.operations.question`) is JSON data with a
`type`; its widget is `WIDGETS[type]`, or `FALLBACK` for a type this server
does not know yet (a JSON text box, so no question is ever unanswerable). A
new question type (a multi-field form, say) slots in with one `Widget` entry
and one `widget_NAME.html` template.

What a widget reads is handed to the engine as it is, as the CLI hands over
`--answer STEP=VALUE`: the engine validates it, so a bad answer gets the same
message on the page as in the terminal.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

ANSWER_FIELD = "answer"


def _single(form: Mapping[str, str]) -> Any:
    return form.get(ANSWER_FIELD, "")


def _json_or_text(form: Mapping[str, str]) -> Any:
    text = form.get(ANSWER_FIELD, "")
    try:
        return json.loads(text)
    except ValueError:
        return text


@dataclass(frozen=True, slots=True)
class Widget:
    template: str  # `templates/widget_<template>.html`
    read: Callable[[Mapping[str, str]], Any]  # the submitted form -> the answer


WIDGETS: dict[str, Widget] = {
    "confirm": Widget("confirm", _single),
    "choose": Widget("choose", _single),
    "number": Widget("number", _single),
    "text": Widget("text", _single),
}
FALLBACK = Widget("json", _json_or_text)


def widget(question: Mapping[str, Any]) -> Widget:
    kind = question.get("type")
    return WIDGETS.get(kind, FALLBACK) if isinstance(kind, str) else FALLBACK
