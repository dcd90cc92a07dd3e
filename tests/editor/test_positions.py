"""LSP positions: the same answers as counting units one by one, in time linear overall."""

from __future__ import annotations

import time

from hypothesis import given
from hypothesis import strategies as st
from lsprotocol import types

from mission.lsp import features
from mission.lsp.positions import LineIndex

ENCODINGS = [types.PositionEncodingKind.Utf16, types.PositionEncodingKind.Utf8,
             types.PositionEncodingKind.Utf32]


def units(text: str, encoding: str) -> int:
    if encoding == types.PositionEncodingKind.Utf32:
        return len(text)
    if encoding == types.PositionEncodingKind.Utf8:
        return len(text.encode("utf-8", "surrogatepass"))
    return len(text) + sum(1 for char in text if ord(char) > 0xFFFF)


@given(st.text(alphabet=st.sampled_from(["a", "\n", "\r", "é", "€", "\U0001f600", "\ud800"]),
               max_size=40), st.sampled_from(ENCODINGS), st.data())
def test_positions_agree_with_counting_units(text: str, encoding: str,
                                             data: st.DataObject) -> None:
    index = LineIndex(text, encoding)
    offset = data.draw(st.integers(0, len(text)))
    line = text.count("\n", 0, offset)
    start = text.rfind("\n", 0, offset) + 1
    assert index.position(offset) == types.Position(line, units(text[start:offset], encoding))
    column = data.draw(st.integers(0, 50))
    end = text.find("\n", start)
    end = len(text) if end == -1 else end
    expected = start
    while expected < end and units(text[start:expected], encoding) < column:
        expected += 1
    assert index.offset(types.Position(line, column)) == expected


def test_document_symbols_of_20000_steps_on_one_line_take_linear_time() -> None:
    """1 MB on one line, within the limits: quadratic before (4,000 steps took 39 s). The
    bound is generous for a loaded 2-core machine."""
    steps = " ".join(f'runtime s{i} "S{i}" {{ noop() }}' for i in range(20_000))
    text = f'mission m "M" {{ version 1 {steps} }}\n'
    snapshot = features.Snapshot.build("file:///long.mission", text)
    began = time.monotonic()
    symbols = features.document_symbols(snapshot)
    assert time.monotonic() - began < 20
    assert len(symbols) > 0
