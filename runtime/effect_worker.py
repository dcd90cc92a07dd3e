"""One call of a project's operation, or the check of all of them, in its own process
(`runtime.user_code.ProjectCode`): the only place the project's code is imported by a run.

Run as `python -I runtime/effect_worker.py SCRATCH`: isolated, so neither the
environment's `PYTHONPATH` nor the current directory decides what is imported.
Reads `SCRATCH/request.json`, puts its `path` (the project root, then the module search
path of the parent) in place, and writes `{"result": ...}` or `{"error": "..."}` to
`SCRATCH/reply.json`:

- `{implementation, name, args, path}`: imports the function, calls it with the
  arguments by name; the result is what it returned (JSON data);
- `{check: {NAME: DECLARATION, ...}, path}`: imports each implementation and checks
  it against its declaration; the result is the list of problems (empty when all fit).

What the function prints is its output, which the parent caps and only shows on a crash.
"""

from __future__ import annotations

import json
import os
import sys
from typing import Any


def main(scratch: str) -> int:
    with open(os.path.join(scratch, "request.json"), encoding="utf-8") as file:
        request = json.load(file)
    sys.path[:] = [str(entry) for entry in request["path"]]
    reply = {"result": _check(request["check"])} if "check" in request else _call(request)
    partial = os.path.join(scratch, "reply.json.partial")
    with open(partial, "w", encoding="utf-8") as file:
        json.dump(reply, file)
    os.replace(partial, os.path.join(scratch, "reply.json"))
    return 0


def _check(declared: dict[str, Any]) -> list[str]:
    from runtime.orchestration.model import ImplementationError
    from runtime.orchestration.user_operations import declarations_from_workflow, signature_problem
    from runtime.user_code import resolve

    problems = []
    for _, declaration in sorted(declarations_from_workflow(declared).items()):
        try:
            problem = signature_problem(declaration, resolve(declaration))
        except ImplementationError as refused:
            problem = str(refused)
        if problem:
            problems.append(problem)
    return problems


def _call(request: dict[str, Any]) -> dict[str, Any]:
    from runtime.orchestration.model import ImplementationError
    from runtime.orchestration.user_operations import OperationDeclaration
    from runtime.user_code import resolve

    declaration = OperationDeclaration(request["name"], "effect", (), None, "",
                                       request["implementation"])
    try:
        function = resolve(declaration)
    except ImplementationError as problem:
        return {"error": str(problem)}
    try:
        result = function(**request["args"])
    except (Exception, SystemExit) as problem:  # user code: `sys.exit` is a failure too
        message = str(problem).strip() or "(no message)"
        return {"error": f"`{request['name']}` raised {type(problem).__name__}: {message}"}
    try:
        json.dumps(result, allow_nan=False)
    except (TypeError, ValueError):
        return {"error": f"`{request['name']}` returned {type(result).__name__}, which is "
                         "not JSON data"}
    return {"result": result}


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
