"""The guard between mission and every child it starts for an effect or a project operation.

Run as `python -I -S runtime/child_guard.py PARENT MEMORY -- COMMAND...`, as the leader of
its own process group (`runtime.local_effects.execute_bounded`). It limits the address
space of COMMAND to MEMORY bytes (0: no limit), starts it in its group, and waits for it,
looking at its own parent every `POLL` seconds: when the parent is gone (a `mission
resume` killed with SIGKILL cannot enforce a timeout any more), it kills the whole group,
itself and COMMAND's descendants included. So no effect outlives the process that started
it. It exits with COMMAND's exit code (128 + the signal for a killed one).

Polling rather than Linux's `PR_SET_PDEATHSIG`: it works on every POSIX system, and it
also covers the moment before the guard runs (a parent that died while the guard was
starting is seen at the first look). The guard imports only the standard library and is
started with `-S`, so it costs a few milliseconds.
"""

from __future__ import annotations

import os
import resource
import signal
import sys
import time

POLL = 0.05  # seconds between two looks at the parent


def _limit_memory(limit: int) -> None:
    if limit <= 0:
        return
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def main(arguments: list[str]) -> int:
    parent, memory, separator, *command = arguments
    if separator != "--" or not command:
        print("child_guard: usage: PARENT MEMORY -- COMMAND...", file=sys.stderr)
        return 2
    _limit_memory(int(memory))
    child = os.posix_spawn(command[0], command, dict(os.environ))
    while True:
        done, status = os.waitpid(child, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status) if os.WIFEXITED(status) \
                else 128 + os.WTERMSIG(status)
        if os.getppid() != int(parent):
            os.killpg(0, signal.SIGKILL)  # the whole group, this guard included
        time.sleep(POLL)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
