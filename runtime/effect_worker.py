"""One attempt of a project's effect operation, in its own process (`runtime.user_code`).

Run as `python -I runtime/effect_worker.py SCRATCH`: isolated, so neither the
environment's `PYTHONPATH` nor the current directory decides what is imported.
Reads `SCRATCH/request.json` (`{implementation, name, path, args}`), puts `path`
(the project root, then the module search path the parent bound the operation
with) in place, imports the function, calls it with the arguments by name, and
writes `{"result": ...}` or `{"error": "..."}` to `SCRATCH/reply.json`. What the
function prints is its output, which the parent caps and only shows on a crash.
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
    reply: dict[str, Any]
    try:
        from runtime.orchestration.model import ImplementationError
        from runtime.orchestration.user_operations import OperationDeclaration
        from runtime.user_code import resolve

        declaration = OperationDeclaration(request["name"], "effect", (), None, "",
                                           request["implementation"])
        try:
            result = resolve(declaration)(**request["args"])
        except ImplementationError:
            raise
        except (Exception, SystemExit) as problem:  # user code: `sys.exit` is a failure too
            message = str(problem).strip() or "(no message)"
            reply = {"error": f"`{request['name']}` raised {type(problem).__name__}: {message}"}
        else:
            try:
                json.dumps(result, allow_nan=False)
                reply = {"result": result}
            except (TypeError, ValueError):
                reply = {"error": f"`{request['name']}` returned {type(result).__name__}, "
                                  "which is not JSON data"}
    except ImplementationError as problem:
        reply = {"error": str(problem)}
    partial = os.path.join(scratch, "reply.json.partial")
    with open(partial, "w", encoding="utf-8") as file:
        json.dump(reply, file)
    os.replace(partial, os.path.join(scratch, "reply.json"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
