"""A progress bar for long work, drawn on a terminal's stderr and nowhere else.

When stderr is a pipe or a file (CI logs, `2> log`), nothing is written: the
output stays exactly what it is without the bar. On a terminal the bar is
redrawn in place at most ten times a second and erased when the work ends.
"""

from __future__ import annotations

import os
import sys
import time
from types import TracebackType
from typing import TextIO

__all__ = ["Progress"]

_INTERVAL = 0.1  # seconds between redraws
_WIDTH = 24  # characters of bar


class Progress:
    """Counts finished items out of `total`; use as a context manager. With `show` false
    (work too small to need a bar) it only counts."""

    def __init__(self, total: int, label: str, stream: TextIO | None = None,
                 show: bool = True) -> None:
        self.total = max(total, 0)
        self.label = label
        self.done = 0
        self._stream = sys.stderr if stream is None else stream
        self.enabled = show and _is_terminal(self._stream) and os.environ.get("TERM") != "dumb"
        self._started = time.monotonic()
        self._drawn_at = 0.0
        self._drawn = False

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()

    def advance(self, count: int = 1) -> None:
        self.done += count
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self._drawn_at >= _INTERVAL or self.done >= self.total:
            self._drawn_at = now
            self._draw(now)

    def close(self) -> None:
        """Erase the bar, so what follows starts on a clean line."""
        if self.enabled and self._drawn:
            self._stream.write("\r\x1b[2K")
            self._stream.flush()
            self._drawn = False

    def _draw(self, now: float) -> None:
        fraction = self.done / self.total if self.total else 1.0
        filled = min(_WIDTH, int(fraction * _WIDTH))
        bar = "#" * filled + "-" * (_WIDTH - filled)
        elapsed = now - self._started
        line = f"{self.label} [{bar}] {self.done}/{self.total} {elapsed:.1f}s"
        self._stream.write("\r\x1b[2K" + line)
        self._stream.flush()
        self._drawn = True


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # a closed or unusual stream: no bar
        return False
