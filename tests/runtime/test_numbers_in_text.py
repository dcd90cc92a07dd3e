"""One reading of numbers written as text, for answers, `--param` and the pages' forms
(issue 20, item 12): JSON's digits, never `5_0` or another script's digits, which
Python's own `int` and `float` take."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from runtime.orchestration.operations import number_in_text
from tests.conftest import run_cli


@given(st.integers(min_value=-(2**53), max_value=2**53)
       | st.floats(allow_nan=False, allow_infinity=False))
def test_what_json_writes_reads_back_as_the_same_number(number: int | float) -> None:
    text = json.dumps(number)
    assert number_in_text(text) == number
    assert type(number_in_text(text)) is type(number)


@given(st.text(alphabet="0123456789_+-.eE \u0660\u0665\u0669\uff10\uff15\u00b2\u2155",
               max_size=12))
def test_text_is_a_number_only_in_ascii_digits(text: str) -> None:
    found = number_in_text(text)
    if found is not None:
        assert text.strip().isascii() and "_" not in text
        assert found == float(text)


@pytest.mark.parametrize(("written", "whole"), [
    ("5_0", False), ("\u0665", False), ("\uff15", False), ("1.5", True), ("", False),
    ("0x10", False), ("1e", False), (".5", False), ("nan", False), ("inf", False),
])
def test_what_is_not_a_number(written: str, whole: bool) -> None:
    assert number_in_text(written, whole) is None


def test_a_param_is_read_the_same_way() -> None:
    for written in ("5_0", "\u0665", "\uff15"):
        done = run_cli("run", "examples/survey.mission", "--answer", f"score={written}")
        assert done.returncode == 2, done.stderr
        assert "answer with a number" in done.stderr
    taken = run_cli("run", "examples/daily_loop.mission", "--param", "today=2026-11-24",
                    "--param", "top_n=5_0", "--state", "examples/tasks.json")
    assert taken.returncode == 2 and "must be a whole number, not '5_0'" in taken.stderr
