"""One attempt of a project's effect operation, in its own process (`runtime.user_code`).

Reads `{implementation, name, root, args}` as JSON on stdin, imports the
function, calls it with the arguments by name, and writes `{"result": ...}`
or `{"error": "..."}` as JSON on stdout. What the function prints goes to
stderr, so it cannot be taken for the reply.
"""

from __future__ import annotations

import json
import sys
from typing import Any


def main() -> int:
    reply_to = sys.stdout
    sys.stdout = sys.stderr  # the function's own prints
    reply: dict[str, Any]
    request: dict[str, Any] = {}
    try:
        request = json.loads(sys.stdin.read())
        sys.path.insert(0, request["root"])
        from runtime.orchestration.model import ImplementationError
        from runtime.orchestration.user_operations import OperationDeclaration
        from runtime.user_code import resolve

        declaration = OperationDeclaration(request["name"], "effect", (), None, "",
                                           request["implementation"])
        function = resolve(declaration)
        result = function(**request["args"])
        try:
            json.dumps(result, allow_nan=False)
        except (TypeError, ValueError):
            reply = {"error": f"`{request['name']}` returned {type(result).__name__}, which "
                              "is not JSON data"}
        else:
            reply = {"result": result}
    except ImplementationError as problem:
        reply = {"error": str(problem)}
    except Exception as problem:  # user code: any exception is the attempt's failure
        message = str(problem).strip() or "(no message)"
        reply = {"error": f"`{request.get('name', '?')}` raised {type(problem).__name__}: "
                          f"{message}"}
    reply_to.write(json.dumps(reply))
    reply_to.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
