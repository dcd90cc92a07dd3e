"""Every input a fuzzer ever crashed the compiler with, replayed forever."""

from __future__ import annotations

from pathlib import Path

import pytest

from compiler import compile_source

CRASHERS = sorted((Path(__file__).parent / "crashers").glob("*"))


@pytest.mark.parametrize("path", CRASHERS, ids=[p.name for p in CRASHERS])
def test_crasher_now_gives_diagnostics(path: Path) -> None:
    text = path.read_bytes().decode("utf-8", errors="replace")
    result = compile_source(text, path.name)
    for diagnostic in result.diagnostics:
        assert 0 <= diagnostic.span.start <= diagnostic.span.end <= len(text)
