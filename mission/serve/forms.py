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

import html
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


FIELD_PREFIX = "answer."  # the input of field NAME is `answer.NAME`


def read_form_fields(form: Mapping[str, str]) -> dict[str, str]:
    """The submitted fields of a form, by field name, as text (the engine reads each one as
    its field's type, as it reads `--answer STEP.FIELD=VALUE`)."""
    return {key[len(FIELD_PREFIX):]: value for key, value in form.items()
            if key.startswith(FIELD_PREFIX) and len(key) > len(FIELD_PREFIX)}


WIDGETS: dict[str, Widget] = {
    "confirm": Widget("confirm", _single),
    "choose": Widget("choose", _single),
    "number": Widget("number", _single),
    "text": Widget("text", _single),
    "date": Widget("date", _single),
    "form": Widget("form", read_form_fields),
}
FALLBACK = Widget("json", _json_or_text)


def widget(question: Mapping[str, Any]) -> Widget:
    kind = question.get("type")
    return WIDGETS.get(kind, FALLBACK) if isinstance(kind, str) else FALLBACK


# -- forms: one labelled input per field ---------------------------------------------------
#
# A form's page draws `render_form_fields(question, given, errors)` inside its <form>, reads
# the submitted fields back with `read_form_fields`, and can show each field's own message
# with `form_field_errors` (the engine gives the same messages, joined, on a bad answer).


def form_field_errors(question: Mapping[str, Any], answer: Any) -> dict[str, str]:
    """Each bad field of `answer` with its message, in the form's order ({} when it fits):
    the engine's own validation, so the page says what `mission resume` would say."""
    from runtime.orchestration.model import AnswerError
    from runtime.orchestration.operations import OPERATIONS, FieldErrors

    validate = OPERATIONS["form"].answer
    assert validate is not None
    try:
        validate({"fields": question.get("fields", [])}, answer)
    except FieldErrors as problem:
        return problem.problems
    except AnswerError as problem:  # not a map at all
        return {"": str(problem)}
    except (KeyError, TypeError, AttributeError):  # fields the engine refuses before asking
        return {}
    return {}


def render_form_fields(question: Mapping[str, Any], given: Mapping[str, Any] | None = None,
                       errors: Mapping[str, str] | None = None) -> str:
    """HTML for a form's fields: for each, a <label> and one input of its type (text,
    number with its bounds, a <select> of the options, yes/no radio buttons, a date),
    filled with what was `given` and followed by its message from `errors`. Every text is
    escaped; nothing is scripted."""
    given, errors = given or {}, errors or {}
    parts = []
    for index, spec in enumerate(question.get("fields", [])):
        if not isinstance(spec, dict):
            continue
        name = str(spec.get("name", ""))
        ident = f"field-{index}"
        control = FIELD_PREFIX + name
        value = given.get(name)
        shown = "" if value is None else str(value)
        problem = errors.get(name)
        described = f' aria-invalid="true" aria-describedby="{ident}-error"' if problem else ""
        label = f'<label for="{ident}">{_e(spec.get("prompt", name))}</label>'
        kind = spec.get("type")
        optional = spec.get("optional") is True  # may be left out: nothing is required
        required = "" if optional else " required"
        if optional:
            label = label.replace("</label>", " <small>(may be left out)</small></label>")
        if kind == "choose":
            options = "".join(
                f'<option value="{_e(option)}"{" selected" if str(option) == shown else ""}>'
                f"{_e(option)}</option>" for option in spec.get("options", []))
            if optional:
                options = '<option value=""></option>' + options
            field = f'<select id="{ident}" name="{_e(control)}"{required}{described}>' \
                    f"{options}</select>"
        elif kind == "confirm":
            checked = {"yes": shown.lower() in ("yes", "y", "true"),
                       "no": shown.lower() in ("no", "n", "false")}
            field = "".join(
                f'<label><input type="radio" name="{_e(control)}" value="{word}"'
                f'{" id=" + chr(34) + ident + chr(34) if word == "yes" else ""}'
                f'{" checked" if checked[word] else ""}{required}{described}> {word}</label>'
                for word in ("yes", "no"))
        else:
            kinds = {"number": "number", "date": "date"}
            bounds = "".join(f' {key}="{_e(spec[key])}"' for key in ("min", "max")
                             if kind == "number" and key in spec)
            step = ' step="any"' if kind == "number" else ""
            field = (f'<input type="{kinds.get(str(kind), "text")}" id="{ident}" '
                     f'name="{_e(control)}" value="{_e(shown)}"{bounds}{step}{required}'
                     f"{described}>")
        message = f'<p class="field-error" id="{ident}-error">{_e(problem)}</p>' \
            if problem else ""
        parts.append(f'<div class="field" data-field="{_e(name)}">{label}{field}{message}</div>')
    return "".join(parts)


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)
