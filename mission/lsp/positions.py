"""Character offsets to LSP positions and back, in the encoding the client chose.

LSP counts columns in UTF-16 code units unless the client negotiated UTF-8
or UTF-32; the compiler counts characters. Lines end at `\\n` (a `\\r` before
it belongs to the line's end).
"""

from __future__ import annotations

import bisect

from lsprotocol import types

from compiler.ast import Span


def _units(text: str, encoding: str) -> int:
    if encoding == types.PositionEncodingKind.Utf32:
        return len(text)
    if encoding == types.PositionEncodingKind.Utf8:
        return len(text.encode("utf-8", "surrogatepass"))
    return len(text) + sum(1 for char in text if ord(char) > 0xFFFF)


class LineIndex:
    """Converts between offsets into `text` and LSP positions."""

    def __init__(self, text: str, encoding: str = types.PositionEncodingKind.Utf16) -> None:
        self.text = text
        self.encoding = encoding
        self.starts = [0]
        position = text.find("\n")
        while position != -1:
            self.starts.append(position + 1)
            position = text.find("\n", position + 1)

    def position(self, offset: int) -> types.Position:
        offset = max(0, min(offset, len(self.text)))
        line = bisect.bisect_right(self.starts, offset) - 1
        return types.Position(line, _units(self.text[self.starts[line]:offset], self.encoding))

    def offset(self, position: types.Position) -> int:
        if position.line >= len(self.starts):
            return len(self.text)
        start = self.starts[position.line]
        end = self.starts[position.line + 1] - 1 if position.line + 1 < len(self.starts) \
            else len(self.text)
        counted = 0
        offset = start
        while offset < end and counted < position.character:
            counted += _units(self.text[offset], self.encoding)
            offset += 1
        return offset

    def range(self, span: Span) -> types.Range:
        return types.Range(self.position(span.start), self.position(span.end))

    def span(self, lsp_range: types.Range) -> Span:
        return Span(self.offset(lsp_range.start), self.offset(lsp_range.end))
