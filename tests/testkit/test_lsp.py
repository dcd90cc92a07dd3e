"""A test file in `mission lsp`, over stdio with a real client: diagnostics that follow the
mission's unsaved text, completion of steps and state paths, hover, symbols, formatting."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.editor.lsp_client import LspClient
from tests.editor.test_lsp_stdio import position

TESTS = '''tests "approval.mission" {
    test "approved" {
        param amount = 10
        started by sam
        answer aprove = true by ana
        expect state.
    }
}
'''


@pytest.fixture
def client() -> Iterator[LspClient]:
    client = LspClient([sys.executable, "-m", "mission", "lsp", "--stdio"], ROOT)
    yield client
    client.close()


def test_a_test_file_in_the_editor(client: LspClient, tmp_path: Path) -> None:
    from tests.testkit.kit import APPROVAL

    mission = tmp_path / "approval.mission"
    mission.write_text(APPROVAL, encoding="utf-8")
    uri = (tmp_path / "approval_test.mission").as_uri()
    document = {"uri": uri}
    client.request("initialize", {"processId": None, "rootUri": tmp_path.as_uri(),
                                  "capabilities": {}})
    client.notify("initialized", {})
    client.notify("textDocument/didOpen", {"textDocument": {
        "uri": uri, "languageId": "mission", "version": 1, "text": TESTS}})
    published = client.notification("textDocument/publishDiagnostics", uri=uri)["params"]
    codes = [(d["code"], d["message"].split("\n")[0]) for d in published["diagnostics"]]
    assert ("E061", "the mission has no step `aprove` to answer") in codes
    assert codes[-1] == ("E001", "expected a name, found `}`")  # `expect state.` unfinished

    completed = client.request("textDocument/completion", {
        "textDocument": document, "position": position(TESTS, "expect state.", 13)})
    assert [item["label"] for item in completed["items"]] == ["ledger", "approved"]
    completed = client.request("textDocument/completion", {
        "textDocument": document, "position": position(TESTS, "answer aprove", 9)})
    assert [item["label"] for item in completed["items"]] == ["approve"]

    fixed = TESTS.replace("aprove", "approve").replace("expect state.", "expect succeeded")
    client.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": 2},
                                             "contentChanges": [{"text": fixed}]})
    published = client.notification("textDocument/publishDiagnostics", uri=uri,
                                     version=2)["params"]
    assert published["diagnostics"] == []

    # The mission renames its step in the editor, unsaved: the test file is told at once.
    mission_uri = mission.as_uri()
    client.notify("textDocument/didOpen", {"textDocument": {
        "uri": mission_uri, "languageId": "mission", "version": 1,
        "text": APPROVAL.replace("human approve ", "human approval ").replace(
            "state.approved", "state.approved")}})
    client.notification("textDocument/publishDiagnostics", uri=mission_uri)
    published = client.notification("textDocument/publishDiagnostics", uri=uri)["params"]
    assert [d["code"] for d in published["diagnostics"]] == ["E061"]
    assert "did you mean `approval`?" in published["diagnostics"][0]["message"]

    hovered = client.request("textDocument/hover", {
        "textDocument": document, "position": position(fixed, "expect succeeded", 2)})
    assert "`expect succeeded`" in hovered["contents"]["value"]
    symbols = client.request("textDocument/documentSymbol", {"textDocument": document})
    assert [child["name"] for child in symbols[0]["children"]] == ["approved"]
    messy = fixed.replace("        param amount = 10", "  param   amount=10")
    client.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": 3},
                                             "contentChanges": [{"text": messy}]})
    edits = client.request("textDocument/formatting", {
        "textDocument": document, "options": {"tabSize": 4, "insertSpaces": True}})
    assert edits[0]["newText"] == fixed
