"""Character offsets to LSP positions and back, in the encoding the client chose.

LSP counts columns in UTF-16 code units unless the client negotiated UTF-8
or UTF-32; the compiler counts characters. Lines end at `\\n` (a `\\r` before
it belongs to the line's end).
"""

from __future__ import annotations

import bisect
import re

from lsprotocol import types

from compiler.ast import Span

# The encodings by their LSP names, as the client negotiates them.
UTF8, UTF16 = types.PositionEncodingKind.Utf8.value, types.PositionEncodingKind.Utf16.value

_WIDER: dict[str, re.Pattern[str]] = {  # characters wider than one unit, per encoding
    UTF16: re.compile("[\U00010000-\U0010ffff]"),
    UTF8: re.compile("[^\x00-\x7f]"),
}


def _extra(char: str, encoding: str) -> int:
    """Units of `char` beyond the one every character takes."""
    if encoding == UTF8:
        return len(char.encode("utf-8", "surrogatepass")) - 1
    return 1


class LineIndex:
    """Converts between offsets into `text` and LSP positions, in time logarithmic in the
    text: a table of line starts, and for each line (built when first asked, once) the
    offsets of its characters wider than one unit, with the extra units before them. A
    long line of symbols no longer costs a slice per position (issue 15)."""

    def __init__(self, text: str, encoding: str = UTF16) -> None:
        self.text = text
        self.encoding = encoding
        self.starts = [0]
        position = text.find("\n")
        while position != -1:
            self.starts.append(position + 1)
            position = text.find("\n", position + 1)
        self._wide: dict[int, tuple[list[int], list[int]]] = {}

    def _end(self, line: int) -> int:
        return self.starts[line + 1] - 1 if line + 1 < len(self.starts) else len(self.text)

    def _wide_characters(self, line: int) -> tuple[list[int], list[int]]:
        """Offsets of the line's wide characters, and the extra units before each one."""
        found = self._wide.get(line)
        if found is None:
            offsets: list[int] = []
            before = [0]
            wider = _WIDER.get(self.encoding)
            if wider is not None:
                for match in wider.finditer(self.text, self.starts[line], self._end(line)):
                    offsets.append(match.start())
                    before.append(before[-1] + _extra(match.group(), self.encoding))
            found = self._wide[line] = (offsets, before)
        return found

    def _units_before(self, line: int, offset: int) -> int:
        offsets, before = self._wide_characters(line)
        return offset - self.starts[line] + before[bisect.bisect_left(offsets, offset)]

    def line_and_units(self, offset: int) -> tuple[int, int]:
        """The line of `offset` and its column in the encoding's units."""
        offset = max(0, min(offset, len(self.text)))
        line = bisect.bisect_right(self.starts, offset) - 1
        return line, self._units_before(line, offset)

    def position(self, offset: int) -> types.Position:
        return types.Position(*self.line_and_units(offset))

    def offset(self, position: types.Position) -> int:
        """The first offset at or past the position's column (a column inside a character
        is the end of that character), at most the line's end."""
        if position.line >= len(self.starts):
            return len(self.text)
        line = position.line
        low, high = self.starts[line], self._end(line)
        while low < high:
            middle = (low + high) // 2
            if self._units_before(line, middle) >= position.character:
                high = middle
            else:
                low = middle + 1
        return low

    def range(self, span: Span) -> types.Range:
        return types.Range(self.position(span.start), self.position(span.end))

    def span(self, lsp_range: types.Range) -> Span:
        return Span(self.offset(lsp_range.start), self.offset(lsp_range.end))
