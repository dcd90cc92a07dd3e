"""Generated inputs for the benchmark: trees of missions, big missions, task lists, batches.

Everything is drawn from a seeded `random.Random`, so two runs of the bench
measure the same inputs.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

__all__ = ["batch_requests", "big_mission", "mission_text", "tasks", "write_tree"]

_WORDS = ["plan", "review", "deploy", "report", "sync", "audit", "triage", "notify", "archive",
          "measure", "draft", "approve", "collect", "merge", "verify"]


def _name(rng: random.Random) -> str:
    return f"{rng.choice(_WORDS)}_{rng.choice(_WORDS)}_{rng.randrange(1000)}"


def _runtime_step(rng: random.Random, index: int, params: list[str], used: set[str],
                  reads: str | None = None) -> str:
    """A runtime step; `used` collects the params and state inputs it reads."""
    step = f"{rng.choice(_WORDS)}_{index}"
    param = rng.choice(params) if params else None
    value = f"param.{param}" if param else f'"{rng.choice(_WORDS)}"'
    choices = [
        ({"param"}, f"set(at: state.{step}, value: {{source: {value}, n: {rng.randrange(100)}}})"),
        ({"param", "log"}, f"append(to: state.log, value: {value})"),
        ({"count"}, f"increment(at: state.count, by: {rng.randrange(1, 9)})"),
        ({"tags"}, f'extend(to: state.tags, values: ["{rng.choice(_WORDS)}", '
                   f'"{rng.choice(_WORDS)}"])'),
        ({"count"}, 'assert(condition: state.count >= 0, message: "count went below zero")'),
    ]
    if reads is not None:  # a step that uses a person's answer
        choices = [({"log"}, f"append(to: state.log, value: {{answer: state.{reads}}})")]
    needs, call = rng.choice(choices)
    guard = ""
    if reads is None and rng.random() < 0.3:
        guard = f" when state.count > {rng.randrange(5)}"
        needs = needs | {"count"}
    used.update(needs - {"param"})
    if "param" in needs and param:
        used.add(f"param:{param}")
    return (f'    runtime {step} "Step {index}: {rng.choice(_WORDS)} things"{guard} {{\n'
            f"        {call}\n    }}\n")


def _human_step(rng: random.Random, index: int) -> tuple[str, str]:
    """A human step and the state key its answer goes to."""
    key, call = rng.choice([
        (f"ok_{index}", f'confirm("Go on with {rng.choice(_WORDS)}?", show: state.log)'),
        (f"choice_{index}", 'choose("Which one?", options: ["a", "b", "c"])'),
        (f"amount_{index}", f'number("How many?", min: 0, max: {rng.randrange(1, 50)})'),
        (f"comment_{index}", 'text("Any comment?")'),
    ])
    return (f'    human ask_{index} "A person answers {index}" {{\n'
            f"        {call} -> state.{key}\n    }}\n", key)


_MISTAKES = ["unknown_operation", "too_many_steps", "syntax", "undeclared_param", "wrong_argument",
             "duplicate_step", "too_many_human"]


def _extra_step(description: str, call: str) -> str:
    return f'\n    runtime extra "{description}" {{\n        {call}\n    }}\n'


def mission_text(rng: random.Random, valid: bool) -> str:
    """One mission of about 0.5 to 1.5 KB, clean (no finding at all) when `valid`; else
    with one deliberate mistake."""
    params = [f"p{i}" for i in range(rng.randrange(0, 3))]
    used: set[str] = set()
    steps = [_runtime_step(rng, i, params, used) for i in range(rng.randrange(1, 3))]
    if rng.random() < 0.5:  # a person answers, and a later step uses the answer
        human, key = _human_step(rng, 10)
        steps += [human, _runtime_step(rng, 11, params, used, reads=key)]
    body = "\n".join(steps)
    lines = [f"# Generated mission: {' '.join(rng.choices(_WORDS, k=6))}.\n",
             f'mission {_name(rng)} "{rng.choice(_WORDS).title()} the {rng.choice(_WORDS)}" {{\n',
             "    version 1\n\n"]
    for param in params:
        if f"param:{param}" in used:
            lines.append(f'    param {param}: str = "{rng.choice(_WORDS)}"   # a setting\n')
    defaults = {"count": "int = 0", "log": "list = []", "tags": "list = []"}
    lines += [f"    input {name}: {defaults[name]}\n" for name in sorted(used & set(defaults))]
    lines.append("\n")
    if not valid:
        mistake = rng.choice(_MISTAKES)
        if mistake == "unknown_operation":
            body += _extra_step("Misspelled", "apend(to: state.log, value: 1)")
        elif mistake == "too_many_steps":
            body += "\n".join(_runtime_step(rng, 20 + i, params, used) for i in range(5))
        elif mistake == "syntax":
            body = body.replace("}\n", "\n", 1)
        elif mistake == "undeclared_param":
            body += _extra_step("Reads a param", "set(at: state.x, value: param.nope)")
        elif mistake == "wrong_argument":
            body += _extra_step("Bad argument", "increment(at: state.count, step: 2)")
        elif mistake == "duplicate_step":
            body += "\n" + steps[0]
        else:
            body += "\n".join(_human_step(rng, 30 + i)[0] for i in range(3))
    return "".join(lines) + body + "}\n"


def write_tree(root: Path, count: int, seed: int = 7, invalid_share: float = 0.05) -> list[Path]:
    """`count` missions in 100 directories under `root`; one in twenty with a mistake."""
    rng = random.Random(seed)
    paths = []
    for index in range(count):
        directory = root / f"team_{index % 100:02d}"
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / f"mission_{index:05d}.mission"
        path.write_text(mission_text(rng, rng.random() >= invalid_share), encoding="utf-8")
        paths.append(path)
    return paths


def tasks(count: int, seed: int = 11) -> list[dict[str, Any]]:
    """A task list for `daily_loop`, as its documentation describes them."""
    rng = random.Random(seed)
    result = []
    for index in range(count):
        task: dict[str, Any] = {"id": f"task-{index:04d}",
                                "title": f"{rng.choice(_WORDS)} {rng.choice(_WORDS)}",
                                "status": rng.choice(["open", "open", "done"])}
        if rng.random() < 0.7:
            task["priority"] = rng.randrange(1, 6)
        if rng.random() < 0.6:
            task["due"] = f"2026-{rng.randrange(10, 13)}-{rng.randrange(1, 29):02d}"
        if task["status"] == "done" and rng.random() < 0.8:
            task["done_on"] = f"2026-11-{rng.randrange(20, 25):02d}"
        result.append(task)
    return result


def big_mission(size: int) -> str:
    """A valid mission of about `size` characters, most of it literal data in an argument."""
    head = ('mission bulk "Load a task list" {\n    version 1\n\n'
            '    runtime load "Put the tasks in the state" {\n'
            "        set(at: state.tasks, value: [\n")
    tail = "        ])\n    }\n}\n"
    rng = random.Random(size)
    items: list[str] = []
    length = len(head) + len(tail)
    index = 0
    while True:
        item = (f'            {{id: "task-{index:06d}", title: "{rng.choice(_WORDS)} the '
                f'{rng.choice(_WORDS)}", status: "{rng.choice(["open", "done"])}", '
                f"priority: {rng.randrange(1, 6)}, done: {rng.choice(['true', 'false'])}}},\n")
        if length + len(item) > size and items:
            break
        items.append(item)
        length += len(item)
        index += 1
    return head + "".join(items) + tail


def batch_requests(count: int, seed: int = 13) -> str:
    """JSON lines for `mission run --batch`: daily loops over varied task lists, and echoes."""
    rng = random.Random(seed)
    lines = []
    for index in range(count):
        if index % 5 == 4:
            request: dict[str, Any] = {"mission": "echo", "params": {"message": f"run {index}"}}
        else:
            request = {"mission": "daily_loop",
                       "params": {"today": f"2026-11-{rng.randrange(1, 29):02d}",
                                  "top_n": rng.randrange(1, 6)},
                       "state": {"tasks": tasks(rng.randrange(5, 40), seed=index)},
                       "answers": {"confirm_priorities": rng.random() < 0.8}}
        lines.append(json.dumps(request, sort_keys=True))
    return "\n".join(lines) + "\n"
