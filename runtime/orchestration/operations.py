"""The one table of operations, read by the compiler's type checker and the engine.

Each `Operation` names its typed parameters, the type of its result (what
`-> state.x` receives), whether it is pure or an effect, which step kind may
use it, its documentation, and its implementation. Implementations are pure:
they read the state they are given and return `Change`s; the engine applies
them copy-on-write. A problem with the data is a `StepFailure` whose message
names the path and what was found, never another exception. The data operations
(`data.py`) and the effect operations (`effects.py`) are defined below this module, with
the vocabulary of `calling.py`; the table is the three together.
"""

from __future__ import annotations

import datetime
import math
import re
from collections.abc import Callable, Mapping
from typing import Any

from runtime.orchestration.calling import (
    ArgumentTypes,
    Change,
    Invocation,
    Operation,
    Outcome,
    Parameter,
    Path,
    StepFailure,
)
from runtime.orchestration.data import DATA_OPERATIONS
from runtime.orchestration.effects import EFFECT_OPERATIONS
from runtime.orchestration.model import AnswerError
from runtime.orchestration.semantics import json_equal
from runtime.orchestration.types import (
    ANY,
    Type,
    describe,
    is_iso_date,
    matches,
    type_of,
    wanted,
)

# -- state paths ------------------------------------------------------------


def dotted(path: Path) -> str:
    return ".".join(("state", *path))


def read(state: Mapping[str, Any], path: Path) -> Any:
    current: Any = state
    for depth, key in enumerate(path):
        if not isinstance(current, dict):
            raise StepFailure(f"`{dotted(path[:depth])}` is {describe(current)}, not a map, "
                              f"so `{dotted(path)}` cannot be read")
        if key not in current:
            raise StepFailure(f"`{dotted(path[: depth + 1])}` does not exist")
        current = current[key]
    return current


def exists(state: Mapping[str, Any], path: Path) -> bool:
    current: Any = state
    for key in path:
        if not isinstance(current, dict) or key not in current:
            return False
        current = current[key]
    return True


def apply_change(state: dict[str, Any], change: Change) -> dict[str, Any]:
    """A new state with the change applied; `state` itself is not modified."""
    path = change.path
    root = dict(state)
    current = root
    for depth, key in enumerate(path[:-1]):
        child = current.get(key)
        if child is None and key not in current:
            if change.action == "remove":
                raise StepFailure(f"`{dotted(path[: depth + 1])}` does not exist")
            child = {}
        elif not isinstance(child, dict):
            raise StepFailure(f"`{dotted(path[: depth + 1])}` is {describe(child)}, not a map, "
                              f"so `{dotted(path)}` cannot be written")
        child = dict(child)
        current[key] = child
        current = child
    if change.action == "remove":
        if path[-1] not in current:
            raise StepFailure(f"`{dotted(path)}` does not exist, so it cannot be removed")
        del current[path[-1]]
    else:
        current[path[-1]] = change.value
    return root


# -- implementations -------------------------------------------------------------


def _noop(invocation: Invocation) -> Outcome:
    return Outcome()


def _fail(invocation: Invocation) -> Outcome:
    raise StepFailure(str(invocation.args.get("reason", "unspecified")))


def _set(invocation: Invocation) -> Outcome:
    return Outcome((Change("set", invocation.args["at"], invocation.args["value"]),))


def _list_at(invocation: Invocation, place: str) -> list[Any]:
    path: Path = invocation.args[place]
    if not exists(invocation.state, path):
        return []
    current = read(invocation.state, path)
    if not isinstance(current, list):
        raise StepFailure(f"`{dotted(path)}` is {describe(current)}, not a list, "
                          "so nothing can be appended to it")
    return current


def _append(invocation: Invocation) -> Outcome:
    current = _list_at(invocation, "to")
    return Outcome((Change("set", invocation.args["to"], [*current, invocation.args["value"]]),))


def _extend(invocation: Invocation) -> Outcome:
    current = _list_at(invocation, "to")
    values = invocation.args["values"]
    if not isinstance(values, list):
        raise StepFailure(f"`values` must be a list, found {describe(values)}")
    return Outcome((Change("set", invocation.args["to"], [*current, *values]),))


def _increment(invocation: Invocation) -> Outcome:
    path: Path = invocation.args["at"]
    by = invocation.args.get("by", 1)
    current = read(invocation.state, path) if exists(invocation.state, path) else 0
    if type_of(current) not in {"int", "float"}:
        raise StepFailure(f"`{dotted(path)}` is {describe(current)}, not a number, "
                          "so it cannot be incremented")
    if type_of(by) not in {"int", "float"}:
        raise StepFailure(f"`by` must be a number, found {describe(by)}")
    total = current + by
    if isinstance(total, float) and not math.isfinite(total):
        raise StepFailure(f"`{dotted(path)}` would become {total}, which is not a finite number")
    return Outcome((Change("set", path, total),))


def _remove(invocation: Invocation) -> Outcome:
    path: Path = invocation.args["at"]
    if "item" not in invocation.args:
        read(invocation.state, path)
        return Outcome((Change("remove", path),))
    current = read(invocation.state, path)
    if not isinstance(current, list):
        raise StepFailure(f"`{dotted(path)}` is {describe(current)}, not a list, "
                          "so an item cannot be removed from it")
    item = invocation.args["item"]
    kept = [value for value in current if not json_equal(value, item)]
    return Outcome((Change("set", path, kept),))


def _copy(invocation: Invocation) -> Outcome:
    return Outcome((Change("set", invocation.args["to"], invocation.args["from"]),))


def _assert(invocation: Invocation) -> Outcome:
    condition = invocation.args["condition"]
    if not isinstance(condition, bool):
        raise StepFailure(f"the condition must be true or false, found {describe(condition)}")
    if not condition:
        raise StepFailure(str(invocation.args.get("message", "assertion failed")))
    return Outcome()


# -- the daily loop ---------------------------------------------------------------


def _tasks(value: Any, checked: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Validate the task list; a malformed task fails the step, naming it. With the run's
    memo (`Invocation.checked`), the list both daily-loop steps get is checked once."""
    if not isinstance(value, list):
        raise StepFailure(f"`tasks` must be a list of tasks, found {describe(value)}")
    tasks: list[dict[str, Any]] = value
    if checked is None or checked.get("tasks") is not tasks:
        if not _sound_tasks(tasks):
            _check_each_task(tasks)
        if checked is not None:
            checked["tasks"] = tasks
    return tasks


def _check_each_task(value: list[Any]) -> None:
    """The full check of the task list, which names the first problem."""
    for index, task in enumerate(value):
        label = f"task #{index + 1}"
        if not isinstance(task, dict):
            raise StepFailure(f"{label} must be a map, found {describe(task)}")
        task_id = task.get("id")
        if not isinstance(task_id, str) or not task_id:
            raise StepFailure(f"{label} has no `id` (a non-empty string)")
        label = f"task `{task_id}`"
        if task.get("status") not in ("open", "done"):
            raise StepFailure(f"{label}: `status` is {describe(task.get('status'))}; "
                              "use \"open\" or \"done\"")
        if "title" in task and not isinstance(task["title"], str):
            raise StepFailure(f"{label} has a `title` that is not a string")
        priority = task.get("priority")
        if priority is not None and type_of(priority) != "int":
            raise StepFailure(f"{label}: `priority` is {describe(priority)}; use a whole number "
                              "(1 is most urgent)")
        for key in ("due", "done_on"):
            date = task.get(key)
            if date is not None and not (isinstance(date, str) and is_iso_date(date)):
                raise StepFailure(f"{label}: `{key}` is {describe(date)}, not a date; "
                                  "use an ISO date like \"2026-11-24\"")


def _sound_tasks(tasks: list[Any]) -> bool:
    """The common case of `_tasks` at twice its speed (both daily-loop steps validate the
    whole list): True when every task is sound, built-in types only and no message made;
    False sends `_tasks` through its own checks, which name the problem (if any)."""
    dates: set[str] = set()  # each distinct date is parsed once
    for task in tasks:
        if type(task) is not dict:
            return False
        task_id, priority = task.get("id"), task.get("priority")
        if (type(task_id) is not str or not task_id or task.get("status") not in ("open", "done")
                or type(task.get("title", "")) is not str
                or (priority is not None and type(priority) is not int)):
            return False
        for date in (task.get("due"), task.get("done_on")):
            if date is not None:
                if type(date) is not str:
                    return False
                dates.add(date)
    return all(map(is_iso_date, dates))


def _today(value: Any) -> datetime.date:
    if not (isinstance(value, str) and is_iso_date(value)):
        raise StepFailure("`today` must be an ISO date like \"2026-11-24\", "
                          f"found {describe(value)}")
    return datetime.date.fromisoformat(value)


def _summarize(invocation: Invocation) -> Outcome:
    tasks = _tasks(invocation.args["tasks"], invocation.checked)
    today = _today(invocation.args["today"])
    yesterday = (today - datetime.timedelta(days=1)).isoformat()
    iso_today = today.isoformat()
    summary = {
        "done_yesterday": sorted(t["id"] for t in tasks
                                 if t["status"] == "done" and t.get("done_on") == yesterday),
        "open": sum(1 for t in tasks if t["status"] == "open"),
        "overdue": sorted(t["id"] for t in tasks if t["status"] == "open"
                          and t.get("due") is not None and t["due"] < iso_today),
    }
    return Outcome(result=summary)


def _priority_key(task: Mapping[str, Any]) -> tuple[int, int, int, str, str]:
    priority = task.get("priority")
    due = task.get("due")
    return (priority is None, priority if priority is not None else 0, due is None,
            due or "", task["id"])


def _prioritize(invocation: Invocation) -> Outcome:
    tasks = _tasks(invocation.args["tasks"], invocation.checked)
    limit = invocation.args.get("limit", 3)
    if type_of(limit) != "int" or limit < 0:
        raise StepFailure(f"`limit` must be a whole number of at least 0, found {describe(limit)}")
    ranked = sorted((t for t in tasks if t["status"] == "open"), key=_priority_key)
    return Outcome(result=[t["id"] for t in ranked[:limit]])


# -- human questions -------------------------------------------------------------


def _ask(invocation: Invocation) -> Outcome:
    """Human operations: the engine supplies the validated answer as `effect_result`."""
    return Outcome(result=invocation.effect_result)


_YES = {"y", "yes", "true"}
_NO = {"n", "no", "false"}


def _check_choose(args: Mapping[str, Any]) -> None:
    options = args["options"]
    labels = args.get("label", options)
    what = "`label` must give a string for each option" if "label" in args \
        else "`options` must be a non-empty list of strings"
    if not options or not all(isinstance(label, str) for label in labels):
        raise StepFailure(f"{what}, found {describe(labels if options else options)}")
    if len(set(labels)) != len(labels):
        twice = next(label for label in labels if labels.count(label) > 1)
        raise StepFailure(f"two options are labelled {twice!r}: the person could not tell "
                          "them apart" if "label" in args
                          else "`options` lists the same option twice")


def _check_number(args: Mapping[str, Any]) -> None:
    minimum, maximum = args.get("min"), args.get("max")
    if minimum is not None and maximum is not None and minimum > maximum:
        raise StepFailure(f"`min` ({minimum}) is greater than `max` ({maximum}): "
                          "no answer could fit")


def _answer_confirm(args: Mapping[str, Any], answer: Any) -> bool:
    if isinstance(answer, bool):
        return answer
    if isinstance(answer, str) and answer.strip().lower() in _YES | _NO:
        return answer.strip().lower() in _YES
    raise AnswerError(f"answer yes or no, not {describe(answer)}")


def _answer_choose(args: Mapping[str, Any], answer: Any) -> Any:
    """An answer is a label (the option shown), else one of the values; the value is stored.

    Without `label` the options are their own labels; without `value` an option's value
    is the option itself.
    """
    options = args.get("options", [])
    labels = args.get("label", options)
    values = args.get("value", options)
    if isinstance(answer, str) and answer in labels:
        return values[labels.index(answer)]
    for chosen in values:
        if json_equal(chosen, answer):
            return chosen
    raise AnswerError(f"choose one of {', '.join(map(str, labels))}; {describe(answer)} "
                      "is not an option")


def _choose_type(types: ArgumentTypes) -> Type:
    if "value" in types.types:
        return types.get("value")
    if "label" in types.types:
        return types.get("options").element or ANY
    return Type("str")


def _answer_text(args: Mapping[str, Any], answer: Any) -> str:
    if isinstance(answer, str):
        return answer
    raise AnswerError(f"answer with text, not {describe(answer)}")


# A number written as text: ASCII digits, an optional sign, fraction and exponent (JSON's
# syntax, with leading zeros and a `+` allowed). Python's own `int` and `float` also take
# `5_0`, other scripts' digits (Arabic-Indic five) and full-width ones, which no one means.
_NUMBER = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?", re.ASCII)
_WHOLE = re.compile(r"[+-]?[0-9]+", re.ASCII)


def number_in_text(text: str, whole: bool = False) -> int | float | None:
    """The number `text` writes (surrounding blanks ignored), a whole one only when
    `whole`, or None: the one reading of numbers that answers, `--param` and the pages'
    forms share. A whole number stays an `int`; one too long to convert is None."""
    text = text.strip()
    if not (_WHOLE if whole else _NUMBER).fullmatch(text):
        return None
    try:
        return int(text) if _WHOLE.fullmatch(text) else float(text)
    except ValueError:  # over Python's 4,300 digits
        return None


def _answer_number(args: Mapping[str, Any], answer: Any) -> int | float:
    value = answer
    if isinstance(answer, str):
        found = number_in_text(answer)
        if found is None:
            raise AnswerError(f"answer with a number, not {describe(answer)}")
        value = found
    if type_of(value) not in {"int", "float"} or value != value or value in (float("inf"),
                                                                               float("-inf")):
        raise AnswerError(f"answer with a number, not {describe(answer)}")
    minimum, maximum = args.get("min"), args.get("max")
    if minimum is not None and value < minimum:
        raise AnswerError(f"the answer must be at least {minimum}, not {value}")
    if maximum is not None and value > maximum:
        raise AnswerError(f"the answer must be at most {maximum}, not {value}")
    return value  # type: ignore[no-any-return]


def _answer_date(args: Mapping[str, Any], answer: Any) -> str:
    if isinstance(answer, str) and is_iso_date(answer.strip()):
        return answer.strip()
    raise AnswerError(f"answer with a date like \"2026-11-24\", not {describe(answer)}")


# -- forms: several typed fields in one human step ---------------------------------

FIELD_KINDS = ("choose", "confirm", "date", "number", "text")
# What each kind of field takes besides its prompt (a field is shown with its form's `show`).
_FIELD_ARGUMENTS = {"choose": ("options",), "confirm": (), "date": (), "number": ("min", "max"),
                    "text": ()}
_FIELD_ANSWERS: dict[str, Callable[[Mapping[str, Any], Any], Any]] = {
    "choose": _answer_choose, "confirm": _answer_confirm, "date": _answer_date,
    "number": _answer_number, "text": _answer_text}
_FIELD_CHECKS: dict[str, Callable[[Mapping[str, Any]], None]] = {
    "choose": _check_choose, "number": _check_number}


class FieldErrors(AnswerError):
    """A form's answer with bad fields: one message per field, in the form's order."""

    def __init__(self, problems: Mapping[str, str]) -> None:
        self.problems = dict(problems)
        count = len(self.problems)
        listed = "; ".join(f"`{name}`: {message}" for name, message in self.problems.items())
        super().__init__(f"{count} field{'s' * (count != 1)} not accepted: {listed}")


def answer_field(spec: Mapping[str, Any], answer: Any) -> Any:
    """The validated answer to one field of a form (raises AnswerError): the same rules
    as the question of its kind (`text`, `number`, ...)."""
    return _FIELD_ANSWERS[str(spec["type"])](spec, answer)


def _check_form(args: Mapping[str, Any]) -> None:
    """The compiled fields (a list, in the order they are asked) must each have a unique
    name, a known type, a prompt, and only the arguments of their type."""
    fields = args["fields"]
    if not fields:
        raise StepFailure("`fields` must list at least one field")
    seen: set[str] = set()
    for index, spec in enumerate(fields):
        if not isinstance(spec, dict):
            raise StepFailure(f"field #{index + 1} must be a map, found {describe(spec)}")
        name, kind = spec.get("name"), spec.get("type")
        if not isinstance(name, str) or not name:
            raise StepFailure(f"field #{index + 1} has no `name` (a non-empty string)")
        if name in seen:
            raise StepFailure(f"the field `{name}` is listed twice")
        seen.add(name)
        if kind not in _FIELD_ARGUMENTS:
            raise StepFailure(f"the field `{name}` has the type {describe(kind)}; "
                              f"use one of {', '.join(FIELD_KINDS)}")
        if not isinstance(spec.get("prompt"), str):
            raise StepFailure(f"the field `{name}` needs a `prompt` (a string)")
        if spec.get("optional", True) is not True:
            raise StepFailure(f"`optional` of the field `{name}` is written only as true")
        extra = sorted(set(spec) - {"name", "type", "prompt", "optional",
                                    *_FIELD_ARGUMENTS[kind]})
        if extra:
            raise StepFailure(f"the {kind} field `{name}` takes no {', '.join(extra)}")
        if kind == "choose" and "options" not in spec:
            raise StepFailure(f"the choose field `{name}` needs `options`")
        for key in ("min", "max"):
            if key in spec and type_of(spec[key]) not in {"int", "float"}:
                raise StepFailure(f"`{key}` of the field `{name}` must be a number, "
                                  f"found {describe(spec[key])}")
        checked = _FIELD_CHECKS.get(kind)
        if checked is not None:
            try:
                checked(spec)
            except StepFailure as problem:
                raise StepFailure(f"the field `{name}`: {problem}") from None


_MAX_UNKNOWN_FIELDS = 5


def _answer_form(args: Mapping[str, Any], answer: Any) -> dict[str, Any]:
    """A map with one valid answer per field (a field declared `optional` may be left out,
    or given as null or blank text: its key is then absent); every bad field gets its own
    message. On the
    command line the whole answer may come as JSON text."""
    fields: list[dict[str, Any]] = args["fields"]
    names = [str(spec["name"]) for spec in fields]
    if isinstance(answer, str) and answer.lstrip().startswith("{"):
        import json

        try:
            answer = json.loads(answer)
        except ValueError:
            pass  # refused below as text, not a map
        except RecursionError:  # Python's JSON reader recurses; the text is hostile
            raise AnswerError("the answer is JSON nested too deeply to read; answer with a "
                              f"map of the fields {', '.join(names)}") from None
    if not isinstance(answer, dict):
        raise AnswerError(f"answer with a map of the fields {', '.join(names)}, "
                          f"not {describe(answer)}")
    problems: dict[str, str] = {}
    values: dict[str, Any] = {}
    for spec in fields:
        name = str(spec["name"])
        given = answer.get(name)
        if spec.get("optional") and (given is None or (isinstance(given, str)
                                     and not given.strip())):
            continue  # left out: the answer has no such key
        if name not in answer:
            problems[name] = "no answer given"
            continue
        try:
            values[name] = answer_field(spec, answer[name])
        except AnswerError as problem:
            problems[name] = str(problem)
    extras = sorted(set(answer) - set(names), key=str)
    for extra in extras[:_MAX_UNKNOWN_FIELDS]:  # an answer from anyone: its messages are bounded
        problems[str(extra)[:80]] = f"not a field of this form (its fields: {', '.join(names)})"
    if len(extras) > _MAX_UNKNOWN_FIELDS:
        problems["…"] = f"and {len(extras) - _MAX_UNKNOWN_FIELDS} more keys that are not fields"
    if problems:
        raise FieldErrors(problems)
    return values


# -- the table ---------------------------------------------------------------------

_PROMPT = Parameter("prompt", "str", "The question shown to the person.")
_SHOW = Parameter("show", "any", "A value shown to the person with the question.", required=False)

_TABLE: tuple[Operation, ...] = (
    Operation("noop", "runtime", (), None, "Do nothing.",
              "Does nothing. Useful as a placeholder while a mission is being written.",
              _noop, example="noop()"),
    Operation("fail", "runtime",
              (Parameter("reason", "str", "Why the run stops.", required=False),),
              None, "Stop the run with a reason.",
              "Fails the step, and so the run, with the given reason "
              "(\"unspecified\" when omitted).",
              _fail, example='fail(reason: "not ready")'),
    Operation("set", "runtime",
              (Parameter("at", "any", "Where to write.", place=True),
               Parameter("value", "any", "The value to write.")),
              None, "Write a value into the state.",
              "Writes `value` at the state path `at`, creating maps along the path.",
              _set, example='set(at: state.greeting, value: param.message)'),
    Operation("append", "runtime",
              (Parameter("to", "list", "The list to append to (created if absent).", place=True),
               Parameter("value", "any", "The item to append.")),
              None, "Append an item to a list in the state.",
              "Appends `value` to the list at `to`; an absent list is created.",
              _append, example="append(to: state.log, value: param.message)"),
    Operation("extend", "runtime",
              (Parameter("to", "list", "The list to extend (created if absent).", place=True),
               Parameter("values", "list", "The items to add, in order.")),
              None, "Append several items to a list in the state.",
              "Appends every item of `values` to the list at `to`; an absent list is created.",
              _extend, example="extend(to: state.log, values: [1, 2])"),
    Operation("increment", "runtime",
              (Parameter("at", "number", "The number to increase (0 if absent).", place=True),
               Parameter("by", "number", "How much to add (default 1).", required=False)),
              None, "Add to a number in the state.",
              "Adds `by` (default 1) to the number at `at`; an absent number counts as 0.",
              _increment, example="increment(at: state.attempts)"),
    Operation("remove", "runtime",
              (Parameter("at", "any", "The key to remove, or the list to remove from.",
                         place=True),
               Parameter("item", "any", "Remove every item equal to this from the list at `at`.",
                         required=False)),
              None, "Remove a key, or an item from a list.",
              "Without `item`, removes the key at `at` (which must exist). With `item`, removes "
              "every item equal to it from the list at `at`.",
              _remove, example='remove(at: state.tags, item: "draft")'),
    Operation("copy", "runtime",
              (Parameter("from", "any", "The value to copy (usually a `state.` path)."),
               Parameter("to", "any", "Where to write the copy.", place=True)),
              None, "Copy a value to another place in the state.",
              "Writes the value of `from` at `to`.",
              _copy, example="copy(from: state.draft, to: state.final)"),
    Operation("assert", "runtime",
              (Parameter("condition", "bool", "Must be true for the run to go on."),
               Parameter("message", "str", "The failure message.", required=False)),
              None, "Fail the run unless a condition holds.",
              "Fails the step with `message` when `condition` is false.",
              _assert, example='assert(condition: state.count > 0, message: "nothing to do")'),
    Operation("summarize", "runtime",
              (Parameter("tasks", "list", "The tasks (maps with id, title, status, priority, "
                                          "due, done_on)."),
               Parameter("today", "date", "Today's ISO date.")),
              "map", "Summarise yesterday's activity and today's open work.",
              "Returns `{done_yesterday, open, overdue}`: the sorted ids of tasks done the day "
              "before `today`, the number of open tasks, and the sorted ids of open tasks due "
              "before `today`. A malformed task fails the step, naming the task.",
              _summarize, example="summarize(tasks: state.tasks, today: param.today) "
                                  "-> state.summary"),
    Operation("prioritize", "runtime",
              (Parameter("tasks", "list", "The tasks, as for `summarize`."),
               Parameter("limit", "int", "How many ids to keep (default 3).", required=False)),
              "list", "Rank the open tasks.",
              "Returns the ids of open tasks ranked by priority (1 first; tasks without a "
              "priority after all with one), then due date (earliest first; tasks without a "
              "due date last), then id; at most `limit` of them.",
              _prioritize, example="prioritize(tasks: state.tasks, limit: param.top_n) "
                                   "-> state.priorities"),
    Operation("confirm", "human", (_PROMPT, _SHOW), "bool", "Ask a yes/no question.",
              "Asks the person to answer yes or no; the answer is true or false.",
              _ask, answer=_answer_confirm,
              example='confirm("Ship it?", show: state.summary) -> state.approved'),
    Operation("choose", "human",
              (_PROMPT,
               Parameter("options", "list", "The options to choose from: strings, or any "
                                            "values with `label`."),
               _SHOW,
               Parameter("label", "str", "What the person sees of each option (reads `item`).",
                         required=False, per_item=True),
               Parameter("value", "any", "What is stored for the chosen option (reads `item`; "
                                         "default: the option itself).",
                         required=False, per_item=True)),
              "any", "Ask the person to choose one option.",
              "Asks the person to choose one of `options`. Without `label` the options are "
              "strings and the answer is the chosen one. With `label` the person sees each "
              "option's label and the answer is its `value` (the option itself without "
              "`value`); an answer may be given as a label (matched first) or as a value.",
              _ask, answer=_answer_choose, check=_check_choose, typing=_choose_type,
              example='choose("Which bug?", options: state.top, label: item.title, '
                      'value: item.id) -> state.chosen'),
    Operation("text", "human", (_PROMPT, _SHOW), "str", "Ask for free text.",
              "Asks the person for free text; the answer is a string.",
              _ask, answer=_answer_text, example='text("Any notes?") -> state.notes'),
    Operation("number", "human",
              (_PROMPT,
               Parameter("min", "number", "The smallest accepted answer.", required=False),
               Parameter("max", "number", "The largest accepted answer.", required=False),
               _SHOW),
              "number", "Ask for a number.",
              "Asks the person for a number, within `min` and `max` when given.",
              _ask, answer=_answer_number, check=_check_number,
              example='number("How many hours?", min: 0, max: 12) -> state.hours'),
    Operation("date", "human", (_PROMPT, _SHOW), "date", "Ask for a date.",
              "Asks the person for a calendar date; the answer is an ISO date string "
              "(`YYYY-MM-DD`).",
              _ask, answer=_answer_date, example='date("When is the release?") -> state.day'),
    Operation("form", "human",
              (_PROMPT,
               Parameter("fields", "list",
                         "The fields, written `{NAME: QUESTION(...), ...}` where each QUESTION "
                         "is `text`, `number`, `choose`, `confirm` or `date` (without `show`); "
                         "asked in the order written."),
               _SHOW),
              "map", "Ask several typed fields at once.",
              "Asks a form of typed fields in one human step; the answer is one map from each "
              "field's name to its answer, validated field by field (each bad field gets its "
              "own message). On a terminal the fields are asked one by one.",
              _ask, answer=_answer_form, check=_check_form,
              example='form("Stand-up", fields: {today: text("What will you do today?"), '
                      'blocked: confirm("Are you blocked?")}) -> state.standup'),
)

OPERATIONS: dict[str, Operation] = {
    operation.name: operation for operation in (*_TABLE, *DATA_OPERATIONS, *EFFECT_OPERATIONS)}

# The questions a form's field may be, as the type checker matches a field's arguments:
# the question of the same name with only a field's arguments (no `show`: a form shows one
# value for all its fields; a choose field's options are strings), and the answer's type.
_FIELD_RESULTS = {"choose": "str", "confirm": "bool", "date": "date", "number": "number",
                  "text": "str"}
FORM_FIELDS: dict[str, Operation] = {
    kind: Operation(kind, "human", tuple(p for p in OPERATIONS[kind].parameters
                                         if p.name in ("prompt", *_FIELD_ARGUMENTS[kind])),
                    _FIELD_RESULTS[kind], OPERATIONS[kind].summary, OPERATIONS[kind].doc,
                    _ask, answer=OPERATIONS[kind].answer)
    for kind in FIELD_KINDS}


def question(operation: Operation, step_id: str, args: Mapping[str, Any],
             description: str | None = None) -> dict[str, Any]:
    """What a person is shown for a human step: JSON data, the same for every front end.

    Keys: `step_id`, `type` (the operation), `prompt`, and when given `show`,
    `options`, `min`, `max`, and the step's `description`. A `choose` by label shows
    the labels as `options` and what each stores as `values`.
    """
    shown: dict[str, Any] = {"step_id": step_id, "type": operation.name, **args}
    if "label" in args:  # the person chooses among the labels; `values` are what is stored
        shown["options"] = shown.pop("label")
        shown["values"] = shown.pop("value", args["options"])
    if description is not None:
        shown["description"] = description
    return shown


def check_value(parameter: Parameter, value: Any) -> str | None:
    """None if `value` fits the parameter's type, else a message."""
    if parameter.type == "any" or parameter.place or matches(value, parameter.type):
        return None
    return f"`{parameter.name}` must be {wanted(parameter.type)}, found {describe(value)}"
