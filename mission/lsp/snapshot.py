"""One version of a document, compiled: what every language feature reads.

Below `features` and `testfiles`, which both take a snapshot and answer from it.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote, urlparse

from lsprotocol import types

from compiler import CompileResult, compile_source
from compiler.ast import Span
from compiler.config import DEFAULT, Config
from compiler.operations import OperationTable
from compiler.testfile.check import Reader
from mission.lsp.positions import LineIndex


def path_of(uri: str) -> str:
    """The file path of a `file:` URI (other URIs are kept as they are)."""
    parsed = urlparse(uri)
    return unquote(parsed.path) if parsed.scheme == "file" else uri


@dataclass(frozen=True, slots=True)
class Snapshot:
    """One version of a document, compiled."""

    uri: str
    text: str
    result: CompileResult
    lines: LineIndex
    config: Config = DEFAULT

    @classmethod
    def build(cls, uri: str, text: str, encoding: str = types.PositionEncodingKind.Utf16,
              config: Config = DEFAULT, read: Reader | None = None) -> Snapshot:
        """Compiled under `config`, the rules in force for the file (as in `mission check`);
        a test file's mission is read by `read` (the editor's unsaved text, when given)."""
        result = compile_source(text, path_of(uri), config=config, read=read)
        return cls(uri, text, result, LineIndex(text, encoding), config)

    @property
    def operations(self) -> OperationTable:
        """What the document may call: the built-in operations, the project's (from its
        configuration, as data) and those installed packages declare."""
        return self.config.operation_table

    def location(self, span: Span) -> types.Location:
        return types.Location(self.uri, self.lines.range(span))

    def line_of(self, span: Span) -> int:
        return self.result.source.location(span.start)[0]
