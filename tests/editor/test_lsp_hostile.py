"""The language server on hostile input within the limits, over a real stdio session
(issue 15, item 4): 20,000 steps on one line (1 MB) are answered in time proportional to
their size, and a long request blocks neither `exit` nor a request about another document.

The bounds are generous (about ten times what was measured on a loaded 2-core machine:
see docs/security.md); the figures themselves belong to the bench, not here.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.editor.lsp_client import LspClient

STEPS = 20_000
# Seconds for one request on the 1 MB line, compiling it included (measured: 2-25 s).
REQUEST_BOUND = 240.0
# Seconds for `exit` to end the process while a long request runs (measured: 0.04 s).
EXIT_BOUND = 10.0


def one_long_line(steps: int) -> str:
    body = "".join(f'runtime s{i:05d} "Step {i:05d}" {{ set(at: state.x, value: {i}) }} '
                   for i in range(steps))
    return f'mission many "Many steps" {{ version 1 {body}}}\n'


@pytest.fixture
def client() -> Iterator[LspClient]:
    client = LspClient([sys.executable, "-m", "mission", "lsp", "--stdio"], ROOT)
    yield client
    client.close()


def open_document(client: LspClient, uri: str, text: str) -> None:
    client.notify("textDocument/didOpen", {"textDocument": {
        "uri": uri, "languageId": "mission", "version": 1, "text": text}})


def test_a_megabyte_on_one_line_is_answered_and_exit_is_not_blocked(
        client: LspClient, tmp_path: Path) -> None:
    text = one_long_line(STEPS)
    assert len(text.encode("utf-8")) > 1_000_000
    client.request("initialize", {"processId": None, "rootUri": tmp_path.as_uri(),
                                  "capabilities": {}})
    client.notify("initialized", {})
    big, small = (tmp_path / "big.mission").as_uri(), (tmp_path / "small.mission").as_uri()
    open_document(client, big, text)
    end = {"line": 0, "character": len(text) - 40}  # inside the last step
    document = {"textDocument": {"uri": big}}
    symbols = client.request("textDocument/documentSymbol", document, timeout=REQUEST_BOUND)
    assert [symbol["name"] for symbol in symbols] == ["many"]
    assert len(symbols[0]["children"]) == STEPS
    last = symbols[0]["children"][-1]
    assert last["name"] == f"s{STEPS - 1:05d}"
    assert last["range"]["start"]["character"] == text.rindex("runtime")
    hovered = client.request("textDocument/hover", {**document, "position": {
        "line": 0, "character": text.rindex("set(") + 1}}, timeout=REQUEST_BOUND)
    assert hovered is not None and "set" in hovered["contents"]["value"]
    completed = client.request("textDocument/completion", {**document, "position": end},
                               timeout=REQUEST_BOUND)
    assert completed is not None

    # A change makes the server compile the megabyte again; meanwhile a small document
    # is answered, and `exit` ends the process at once.
    client.notify("textDocument/didChange", {"textDocument": {"uri": big, "version": 2},
                                             "contentChanges": [{"text": text + " "}]})
    client.send({"id": 1000, "method": "textDocument/documentSymbol", "params": document})
    open_document(client, small, 'mission tiny "Tiny" {\n    version 1\n}\n')
    started = time.monotonic()
    tiny = client.request("textDocument/documentSymbol", {"textDocument": {"uri": small}},
                          timeout=REQUEST_BOUND)
    assert [symbol["name"] for symbol in tiny] == ["tiny"]
    client.request("shutdown", None, timeout=EXIT_BOUND)
    started = time.monotonic()
    client.notify("exit", None)
    assert client.process.wait(timeout=EXIT_BOUND) == 0
    assert time.monotonic() - started < EXIT_BOUND
