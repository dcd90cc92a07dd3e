"""The short human summary `mission run` and `mission resume` print by default.

    examples/daily_loop.mission: succeeded
      summarise_yesterday  succeeded
      confirm_priorities   succeeded  answer: true
      log_summary          skipped
    state: 2 keys changed
      + confirmed = true
      ~ log = [{"day":"2026-11-24",...}]

The full `OrchestrationResult` is for machines (`--json`); this is for the
person at the terminal: the status, each step with its status, what changed in
the state, and where the files and the stored run went. Values are cut to one
short line; control characters are shown as symbols.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from runtime.orchestration.model import OrchestrationResult, WorkflowDefinition

__all__ = ["answer_hint", "summary"]

VALUE_WIDTH = 72
_HEADLINES = {"succeeded": "succeeded", "failed": "failed", "waiting": "waiting for an answer"}


def summary(target: str, workflow: WorkflowDefinition, result: OrchestrationResult,
            initial_state: Mapping[str, Any], notes: Sequence[str]) -> str:
    """The summary text (no trailing newline); `notes` are lines such as `receipt: FILE`."""
    lines = [f"{target}: {_HEADLINES.get(result.status, result.status)}"]
    statuses = {step["id"]: step["status"] for step in result.lineage.get("steps", [])}
    width = max((len(step.id) for step in workflow.steps), default=0)
    for step in workflow.steps:
        status = statuses.get(step.id, "not reached")
        if step.id == result.waiting_step_id:
            status = "waiting for an answer"
        line = f"  {step.id:<{width}}  {status}"
        if step.id in result.answers:
            line += f"  answer: {_short(result.answers[step.id])}"
        lines.append(line.rstrip())
    lines += _changes(initial_state, result.final_state)
    lines += list(notes)
    return "\n".join(_printable(line) for line in lines)


def _changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    """`+` added, `~` changed, `-` removed: the top-level keys of the state, sorted."""
    rows = []
    for key in sorted(set(before) | set(after)):
        if key not in after:
            rows.append(f"  - {key}")
        elif key not in before:
            rows.append(f"  + {key} = {_short(after[key])}")
        elif before[key] != after[key] or type(before[key]) is not type(after[key]):
            rows.append(f"  ~ {key} = {_short(after[key])}")
    if not rows:
        return ["state: unchanged"]
    count = len(rows)
    return [f"state: {count} key{'s' * (count != 1)} changed", *rows]


def _short(value: Any) -> str:
    """A value as compact JSON on one line, cut to `VALUE_WIDTH` characters."""
    import json

    text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return text if len(text) <= VALUE_WIDTH else text[:VALUE_WIDTH - 3] + "..."


def _printable(line: str) -> str:
    """The line with its control characters escaped (a path or a state key may hold any)."""
    return "".join(char if char.isprintable() else repr(char)[1:-1] for char in line)


def answer_hint(question: dict[str, Any]) -> str:
    """What a valid answer looks like, in a few words."""
    kind = question.get("type")
    if kind == "confirm":
        return "yes or no"
    if kind == "form":
        names = [str(field.get("name")) for field in question.get("fields", [])
                 if isinstance(field, dict)]
        return "a form: " + ", ".join(names)
    if kind == "date":
        return "a date like 2026-11-24"
    if kind == "choose":
        return "one of " + ", ".join(str(option) for option in question.get("options", []))
    if kind == "number":
        low, high = question.get("min"), question.get("max")
        if low is not None and high is not None:
            return f"a number from {low} to {high}"
        if low is not None or high is not None:
            return f"a number {'at least' if low is not None else 'at most'} " \
                   f"{low if low is not None else high}"
        return "a number"
    return "any text"
