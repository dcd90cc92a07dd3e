"""Diagnostics as the plain JSON the server publishes, without lsprotocol.

One conversion for both start paths: the pygls server structures this JSON into
lsprotocol's `Diagnostic` (`features.to_lsp`), and the light start path
(`mission.lsp.light`) sends it as it is, before pygls is even imported.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote, urlparse

from compiler.diagnostics import Diagnostic, Severity
from mission.lsp.positions import LineIndex

SOURCE = "mission"
SERVER_NAME = "mission"
SERVER_VERSION = "0.1.0"

# LSP's DiagnosticSeverity values.
SEVERITIES = {Severity.ERROR: 1, Severity.WARNING: 2, Severity.NOTE: 3}


def path_of(uri: str) -> str:
    """The file path of a `file:` URI (other URIs are kept as they are)."""
    parsed = urlparse(uri)
    return unquote(parsed.path) if parsed.scheme == "file" else uri


def diagnostic_json(uri: str, lines: LineIndex, diagnostic: Diagnostic) -> dict[str, Any]:
    """`diagnostic` as an LSP `Diagnostic`, keys in lsprotocol's order, absent ones left out
    (as pygls sends it): the `help:` lines end the message, labels are related locations."""
    found: dict[str, Any] = {
        "range": lines.range_json(diagnostic.span),
        "message": diagnostic.message + "".join(f"\nhelp: {line}" for line in diagnostic.help),
        "severity": SEVERITIES[diagnostic.severity],
        "code": diagnostic.code,
        "source": SOURCE,
    }
    if diagnostic.labels:
        found["relatedInformation"] = [
            {"location": {"uri": uri, "range": lines.range_json(label.span)},
             "message": label.message}
            for label in diagnostic.labels]
    return found


def publish_params(uri: str, lines: LineIndex, diagnostics: list[Diagnostic],
                   version: int | None) -> dict[str, Any]:
    """The params of `textDocument/publishDiagnostics` for the document."""
    found: dict[str, Any] = {"uri": uri, "diagnostics": [
        diagnostic_json(uri, lines, diagnostic) for diagnostic in diagnostics]}
    if version is not None:
        found["version"] = version
    return found
