"""`mission lsp` over stdio with a real client: the conversation an editor has with it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from compiler import compile_source
from compiler.format import format_source
from runtime.orchestration.operations import OPERATIONS
from tests.conftest import ROOT, run_cli
from tests.editor.lsp_client import LspClient

BROKEN = """mission plan "Plan the day" {
    version 1

    param today: date
    input tasks: list = []

    runtime summarise "📋" { summarize(tasks: state.tasks, today: param.today) -> state.summary }
    runtime rank "📋 Rank" { prioritise(tasks: state.tasks, limit: param.top) -> state.ranked }
    human summarise "Ask" {}
    runtime keep {

    }
}
"""
UNCLOSED = BROKEN.replace("param.top)", "param.top")


COMMAND = [sys.executable, "-m", "mission", "lsp", "--stdio"]


@pytest.fixture
def client(tmp_path: Path) -> Iterator[LspClient]:
    client = LspClient(COMMAND, ROOT)
    yield client
    client.close()


def position(text: str, needle: str, after: int = 0) -> dict[str, int]:
    """The LSP position (UTF-16 columns) of the start of `needle` plus `after` characters."""
    offset = text.index(needle) + after
    line = text.count("\n", 0, offset)
    column_text = text[text.rfind("\n", 0, offset) + 1:offset]
    return {"line": line, "character": len(column_text.encode("utf-16-le")) // 2}


def test_an_editor_session(client: LspClient, tmp_path: Path) -> None:
    uri = (tmp_path / "plan.mission").as_uri()
    document = {"uri": uri}
    initialized = client.request("initialize", {
        "processId": None, "rootUri": tmp_path.as_uri(),
        "capabilities": {"textDocument": {"completion": {"completionItem": {
            "snippetSupport": True}}}, "general": {"positionEncodings": ["utf-16"]}},
    })
    capabilities = initialized["capabilities"]
    for provider in ("hoverProvider", "completionProvider", "definitionProvider",
                     "documentSymbolProvider", "documentFormattingProvider",
                     "codeActionProvider", "referencesProvider"):
        assert capabilities.get(provider), provider
    assert initialized["serverInfo"]["name"] == "mission"
    client.notify("initialized", {})

    # Diagnostics on open: the CLI's codes and messages, with related locations.
    client.notify("textDocument/didOpen", {"textDocument": {
        "uri": uri, "languageId": "mission", "version": 1, "text": BROKEN}})
    published = client.notification("textDocument/publishDiagnostics", uri=uri)["params"]
    assert published["version"] == 1
    expected = compile_source(BROKEN, str(tmp_path / "plan.mission")).diagnostics
    assert [(d["code"], d["message"].split("\nhelp: ")[0]) for d in published["diagnostics"]] \
        == [(d.code, d.message) for d in expected]
    by_code = {d["code"]: d for d in published["diagnostics"]}
    assert {"E006", "E007", "E008", "E020"} <= set(by_code)
    assert by_code["E006"]["range"]["start"] == position(BROKEN, "prioritise")  # UTF-16 columns
    assert "help: did you mean `prioritize`?" in by_code["E006"]["message"]
    assert by_code["E006"]["severity"] == 1 and by_code["E006"]["source"] == "mission"
    related = by_code["E007"]["relatedInformation"]
    assert related[0]["message"] == "first defined here"
    assert related[0]["location"] == {"uri": uri, "range": {
        "start": position(BROKEN, "summarise"), "end": position(BROKEN, "summarise", 9)}}

    # Hover: an operation, a param reference, a state reference.
    hovered = client.request("textDocument/hover", {
        "textDocument": document, "position": position(BROKEN, "summarize", 3)})
    assert OPERATIONS["summarize"].signature in hovered["contents"]["value"]
    assert OPERATIONS["summarize"].doc in hovered["contents"]["value"]
    hovered = client.request("textDocument/hover", {
        "textDocument": document, "position": position(BROKEN, "param.today", 7)})
    assert "param today: date" in hovered["contents"]["value"]
    hovered = client.request("textDocument/hover", {
        "textDocument": document, "position": position(BROKEN, "state.tasks", 8)})
    assert "declared input" in hovered["contents"]["value"]

    # Completion: operations in an empty runtime step, names after `param.`.
    inside_keep = position(BROKEN, "runtime keep {", len("runtime keep {"))
    completed = client.request("textDocument/completion", {
        "textDocument": document, "position": inside_keep})
    labels = {item["label"] for item in completed["items"]}
    assert {"set", "append", "summarize"} <= labels and "confirm" not in labels
    client.notify("textDocument/didChange", {
        "textDocument": {"uri": uri, "version": 2},
        "contentChanges": [{"range": {"start": inside_keep, "end": inside_keep},
                            "text": " set(at: state.x, value: param."}]})
    client.notification("textDocument/publishDiagnostics", uri=uri, version=2)
    after_dot = {"line": inside_keep["line"],
                 "character": inside_keep["character"] + len(" set(at: state.x, value: param.")}
    completed = client.request("textDocument/completion", {
        "textDocument": document, "position": after_dot})
    assert [item["label"] for item in completed["items"]] == ["today"]

    # A syntax error arrives as E001 on change.
    client.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": 3},
                                             "contentChanges": [{"text": UNCLOSED}]})
    published = client.notification("textDocument/publishDiagnostics", uri=uri,
                                     version=3)["params"]
    assert "E001" in {d["code"] for d in published["diagnostics"]}

    # Go to definition and document symbols on a valid text.
    valid = (ROOT / "examples" / "daily_loop.mission").read_text(encoding="utf-8")
    client.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": 4},
                                             "contentChanges": [{"text": valid}]})
    assert client.notification("textDocument/publishDiagnostics", uri=uri,
                               version=4)["params"]["diagnostics"] == []
    found = client.request("textDocument/definition", {
        "textDocument": document, "position": position(valid, "summary: state.summary", 16)})
    assert found == [{"uri": uri, "range": {
        "start": position(valid, "state.summary"), "end": position(valid, "state.summary", 13)}}]
    symbols = client.request("textDocument/documentSymbol", {"textDocument": document})
    assert symbols[0]["name"] == "daily_loop"
    assert [child["name"] for child in symbols[0]["children"]] == [
        "today", "top_n", "tasks", "summarise_yesterday", "generate_priorities",
        "confirm_priorities", "log_summary"]

    # Formatting goes through the formatter.
    ugly = valid.replace("    version 1", "version   1")
    client.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": 5},
                                             "contentChanges": [{"text": ugly}]})
    edits = client.request("textDocument/formatting", {
        "textDocument": document, "options": {"tabSize": 4, "insertSpaces": True}})
    assert len(edits) == 1 and edits[0]["newText"] == format_source(ugly)
    assert edits[0]["range"]["start"] == {"line": 0, "character": 0}

    # Code actions: one quick fix per diagnostic that carries an autofix.
    client.notify("textDocument/didChange", {"textDocument": {"uri": uri, "version": 6},
                                             "contentChanges": [{"text": BROKEN}]})
    whole = {"start": {"line": 0, "character": 0},
             "end": {"line": BROKEN.count("\n"), "character": 0}}
    actions = client.request("textDocument/codeAction", {
        "textDocument": document, "range": whole, "context": {"diagnostics": []}})
    fixes = [d.fix for d in compile_source(BROKEN).diagnostics if d.fix is not None]
    assert [action["title"] for action in actions] == [fix.message for fix in fixes]
    for action in actions:
        assert action["kind"] == "quickfix" and uri in action["edit"]["changes"]
    # ... and, asked for by kind (as on save), all of them at once, as `mission check --fix`.
    actions = client.request("textDocument/codeAction", {
        "textDocument": document, "range": whole,
        "context": {"diagnostics": [], "only": ["source.fixAll"]}})
    assert [action["kind"] for action in actions] == ["source.fixAll.mission"]
    copy = tmp_path / "copy.mission"
    copy.write_text(BROKEN, encoding="utf-8")
    assert run_cli("check", "--fix", copy.name, cwd=tmp_path).returncode == 1
    fixed = copy.read_text(encoding="utf-8")
    assert fixed != BROKEN
    assert [edit["newText"] for edit in actions[0]["edit"]["changes"][uri]] == [fixed]

    # Shutdown and exit end the process cleanly.
    assert client.request("shutdown", None) is None
    client.notify("exit", None)
    assert client.process.wait(timeout=30) == 0


CONFIGURED = """mission m "Configured rules" {
    version 1

    param unused: int = 1

    runtime a { set(at: state.x, value: 1) }
}
"""
SEVERITIES = {"error": 1, "warning": 2, "note": 3}


def _initialize(client: LspClient, root: Path, watch: bool = False) -> None:
    capabilities = {"workspace": {"didChangeWatchedFiles": {"dynamicRegistration": watch}}}
    client.request("initialize", {"processId": None, "rootUri": root.as_uri(),
                                  "capabilities": capabilities})
    client.notify("initialized", {})


def _cli_findings(path: Path) -> list[tuple[str, str, int, int, int]]:
    done = run_cli("check", "--format", "json", "--no-cache", path.name, cwd=path.parent)
    assert done.returncode in (0, 1), done.stderr
    return sorted((d["code"], d["message"], SEVERITIES[d["severity"]], d["range"]["start"]["line"],
                   d["range"]["start"]["column"]) for d in json.loads(done.stdout)["diagnostics"])


def _lsp_findings(published: dict[str, Any]) -> list[tuple[str, str, int, int, int]]:
    return sorted((d["code"], d["message"].split("\nhelp: ")[0], d["severity"],
                   d["range"]["start"]["line"] + 1, d["range"]["start"]["character"] + 1)
                  for d in published["diagnostics"])


def test_the_project_configuration_gives_the_same_findings_as_mission_check(
        client: LspClient, tmp_path: Path) -> None:
    config = tmp_path / "mission.toml"
    config.write_text('ignore = ["W101"]\n[severity]\nW201 = "error"\n', encoding="utf-8")
    nested = tmp_path / "plans"
    nested.mkdir()
    path = nested / "configured.mission"
    path.write_text(CONFIGURED, encoding="utf-8")
    _initialize(client, tmp_path, watch=True)
    registered = client.server_request("client/registerCapability")
    watchers = registered["params"]["registrations"][0]["registerOptions"]["watchers"]
    assert {w["globPattern"] for w in watchers} == {"**/mission.toml", "**/pyproject.toml"}

    client.notify("textDocument/didOpen", {"textDocument": {
        "uri": path.as_uri(), "languageId": "mission", "version": 1, "text": CONFIGURED}})
    published = client.notification("textDocument/publishDiagnostics", uri=path.as_uri())
    findings = _lsp_findings(published["params"])
    assert [(code, severity) for code, _, severity, _, _ in findings] == [("W201", 1)]
    assert findings == _cli_findings(path)

    # The configuration changes: the open document is checked again with the new rules.
    config.write_text('[severity]\nW201 = "note"\n', encoding="utf-8")
    client.notify("workspace/didChangeWatchedFiles", {
        "changes": [{"uri": config.as_uri(), "type": 2}]})
    published = client.notification("textDocument/publishDiagnostics", uri=path.as_uri())
    findings = _lsp_findings(published["params"])
    assert [(code, severity) for code, _, severity, _, _ in findings] == [("W101", 2),
                                                                          ("W201", 3)]
    assert findings == _cli_findings(path)


def test_a_broken_configuration_is_reported_and_the_defaults_apply(
        client: LspClient, tmp_path: Path) -> None:
    (tmp_path / "mission.toml").write_text('ignore = ["W9"]\n', encoding="utf-8")
    path = tmp_path / "configured.mission"
    _initialize(client, tmp_path)
    client.notify("textDocument/didOpen", {"textDocument": {
        "uri": path.as_uri(), "languageId": "mission", "version": 1, "text": CONFIGURED}})
    shown = client.notification("window/showMessage")["params"]
    assert shown["type"] == 2
    assert "mission.toml" in shown["message"] and "`W9`" in shown["message"]
    assert "using the default rules" in shown["message"]
    published = client.notification("textDocument/publishDiagnostics", uri=path.as_uri())
    assert sorted(d["code"] for d in published["params"]["diagnostics"]) == ["W101", "W201"]


def _units(text: str, offset: int, encoding: str) -> dict[str, int]:
    before = text[text.rfind("\n", 0, offset) + 1:offset]
    units = len(before.encode("utf-8")) if encoding == "utf-8" \
        else len(before.encode("utf-16-le")) // 2
    return {"line": text.count("\n", 0, offset), "character": units}


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_columns_follow_the_encoding_the_client_negotiates(
        client: LspClient, tmp_path: Path, encoding: str) -> None:
    answer = client.request("initialize", {
        "processId": None, "rootUri": tmp_path.as_uri(),
        "capabilities": {"general": {"positionEncodings": [encoding]}}})
    assert answer["capabilities"]["positionEncoding"] == encoding
    client.notify("initialized", {})
    uri = (tmp_path / "plan.mission").as_uri()
    client.notify("textDocument/didOpen", {"textDocument": {
        "uri": uri, "languageId": "mission", "version": 1, "text": BROKEN}})
    published = client.notification("textDocument/publishDiagnostics", uri=uri)["params"]
    starts = [found["range"]["start"] for found in published["diagnostics"]]
    # `prioritise` stands after an emoji: 4 units in UTF-8, 2 in UTF-16.
    assert _units(BROKEN, BROKEN.index("prioritise"), encoding) in starts
    hover = client.request("textDocument/hover", {"textDocument": {"uri": uri}, "position":
                                                  _units(BROKEN, BROKEN.index("summarize"),
                                                         encoding)})
    assert "summarize" in hover["contents"]["value"]


def test_exit_without_shutdown_ends_the_process_with_status_1(
        client: LspClient, tmp_path: Path) -> None:
    _initialize(client, tmp_path)
    client.notify("exit", None)
    assert client.process.wait(timeout=30) == 1


def test_the_client_closing_at_once_ends_the_server() -> None:
    done = subprocess.run(COMMAND, cwd=ROOT, stdin=subprocess.DEVNULL, capture_output=True,
                          timeout=60, env=os.environ)
    assert done.returncode == 0 and done.stdout == b""
