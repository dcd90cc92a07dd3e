"""Who acts and when, for the commands that record it: the clock, and the user's name.

The engine reads no clock. The commands that start, answer, cancel or fire a run
(`mission run`, `resume`, `cancel`, `tick`, `mission serve`) read the clock here
and record its time as data, in UTC to the second. On the command line the
person acting is the operating-system user, recorded by name; in `mission serve`
it is the signed-in user.

`MISSION_NOW` replaces the system clock, for tests and demos (the virtual clock
of docs/runtime.md): an instant (`2026-12-01T09:00:00+00:00`), or `@FILE`, a
file holding one, read at every use, so a test moves the time of a running
server by rewriting the file.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from mission.cli import UsageError
from runtime.orchestration.model import Answered
from runtime.orchestration.times import InstantError, format_instant, parse_instant

CLOCK_VARIABLE = "MISSION_NOW"


class ClockError(UsageError):
    """`MISSION_NOW` does not name an instant."""


class Clock(Protocol):
    def now(self) -> str:
        """The current time, as recorded: ISO 8601 in UTC, to the second."""
        ...


class SystemClock:
    def now(self) -> str:
        return format_instant(datetime.now(UTC))


class FixedClock:
    """A clock that shows one instant until it is moved (`set`)."""

    def __init__(self, instant: str) -> None:
        self.set(instant)

    def set(self, instant: str) -> None:
        try:
            self._now = format_instant(parse_instant(instant))
        except InstantError as problem:
            raise ClockError(f"{CLOCK_VARIABLE}: {problem}") from None

    def now(self) -> str:
        return self._now


class FileClock:
    """A clock that reads its instant from a file at every use."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def now(self) -> str:
        try:
            text = self.path.read_text(encoding="utf-8").strip()
        except OSError as problem:
            raise ClockError(f"{CLOCK_VARIABLE}: cannot read {self.path} "
                             f"({problem.strerror})") from None
        return FixedClock(text).now()


def the_clock() -> Clock:
    """The system clock, or the virtual one `MISSION_NOW` names."""
    given = os.environ.get(CLOCK_VARIABLE, "").strip()
    if not given:
        return SystemClock()
    if given.startswith("@"):
        return FileClock(Path(given[1:]))
    return FixedClock(given)


def is_virtual() -> bool:
    """Whether `MISSION_NOW` replaces the system clock (serve says so when it starts)."""
    return bool(os.environ.get(CLOCK_VARIABLE, "").strip())


def operating_system_user() -> str:
    """The name of the user running this command (its uid when the system has no name)."""
    import pwd

    try:
        return pwd.getpwuid(os.geteuid()).pw_name
    except KeyError:
        return f"uid {os.geteuid()}"


def answer_event(step: str, answer: Any, by: str, at: str) -> dict[str, Any]:
    """A person's answer to a human step, as the run records it."""
    return {"kind": "answer", "step": step, "answer": answer, "by": by, "at": at}


def timed(ask: Callable[[dict[str, Any]], Any], clock: Clock,
          user: str) -> Callable[[dict[str, Any]], Any]:
    """`ask`, its answers given by `user` at the time each is given."""
    def asking(question: dict[str, Any]) -> Any:
        given = ask(question)
        return None if given is None else Answered(given, by=user, at=clock.now())

    return asking
