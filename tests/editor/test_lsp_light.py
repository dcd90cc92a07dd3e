"""The light start of `mission lsp` (`mission.lsp.light`) against the full pygls start,
over real stdio: the same bytes for `initialize` and the first diagnostics, nothing sent
twice, features working after the hand-over, an untrusted cache ignored, `exit` obeyed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from lsprotocol.converters import get_converter

from mission.lsp import features, light, plain
from mission.lsp.positions import LineIndex
from tests.conftest import ROOT
from tests.editor.lsp_client import LspClient
from tests.editor.test_lsp_stdio import BROKEN

CAPABILITIES: dict[str, Any] = {"general": {"positionEncodings": ["utf-16"]}}
COMMAND = [sys.executable, "-m", "mission", "lsp", "--stdio"]


class RawClient(LspClient):
    """Also keeps each message's body exactly as the server wrote it."""

    def __init__(self, command: list[str], cwd: Path) -> None:
        self.raw: list[bytes] = []
        super().__init__(command, cwd)

    def _read(self) -> None:
        stream = self.process.stdout
        assert stream is not None
        while True:
            length = None
            while (line := stream.readline()).strip():
                name, _, value = line.decode("ascii").partition(":")
                if name.strip().lower() == "content-length":
                    length = int(value)
            if not line or length is None:
                self.inbox.put(None)
                return
            body = stream.read(length)
            self.raw.append(body)
            self.inbox.put(json.loads(body))


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path


def initialize_params(root: Path, encoding: str = "utf-16") -> dict[str, Any]:
    return {"processId": None, "rootUri": root.as_uri(),
            "capabilities": {**CAPABILITIES, "general": {"positionEncodings": [encoding]}}}


def position(needle: str, encoding: str) -> dict[str, int]:
    """The LSP position of `needle` in BROKEN, its column in `encoding`'s units."""
    offset = BROKEN.index(needle)
    before = BROKEN[BROKEN.rfind("\n", 0, offset) + 1:offset]
    units = len(before.encode("utf-8")) if encoding == "utf-8" \
        else len(before.encode("utf-16-le")) // 2
    return {"line": BROKEN.count("\n", 0, offset), "character": units}


@contextmanager
def first_start(root: Path, encoding: str = "utf-16"
                ) -> Iterator[tuple[RawClient, bytes, bytes]]:
    """A session up to its first diagnostics: the client, and the raw bodies of the answer
    to `initialize` and of the first `publishDiagnostics`."""
    client = RawClient(COMMAND, ROOT)
    try:
        client.request("initialize", initialize_params(root, encoding))
        answer = client.raw[-1]
        client.notify("initialized", {})
        client.notify("textDocument/didOpen", {"textDocument": {
            "uri": (root / "plan.mission").as_uri(), "languageId": "mission", "version": 1,
            "text": BROKEN}})
        client.notification("textDocument/publishDiagnostics")
        published = next(body for body in client.raw if b"publishDiagnostics" in body)
        yield client, answer, published
    finally:
        client.close()


def session(root: Path, encoding: str = "utf-16") -> tuple[bytes, bytes]:
    """Bodies of the answer to `initialize` and of the first diagnostics; and the features
    work after the hand-over, with the diagnostics sent only once."""
    with first_start(root, encoding) as (client, answer, published):
        uri = (root / "plan.mission").as_uri()
        hover = client.request("textDocument/hover", {
            "textDocument": {"uri": uri}, "position": position("summarize", encoding)})
        assert "summarize" in hover["contents"]["value"]
        completion = client.request("textDocument/completion", {
            "textDocument": {"uri": uri}, "position": position("summarize", encoding)})
        assert any(item["label"] == "prioritize" for item in completion["items"])
        assert client.request("shutdown", None) is None
        client.notify("exit", None)
        assert client.process.wait(timeout=10) == 0
        assert sum(b"publishDiagnostics" in body for body in client.raw) == 1
        assert sum(b'"result": {"capabilities"' in body for body in client.raw) == 1
    return answer, published


def test_the_cached_start_sends_what_pygls_sends(cache: Path) -> None:
    cold = session(cache)  # the full pygls start, which records its answer
    key = light.capabilities_key(initialize_params(cache))
    recorded = light.read_answer(key)
    assert recorded is not None and json.dumps(recorded).encode() == cold[0]
    assert session(cache) == cold  # the light start: byte for byte the same

    # The light path really answers from the cache: a changed record is what the client
    # gets first; pygls's differing answer is then dropped, and recorded again.
    changed = {**recorded, "result": {**recorded["result"], "serverInfo": {"name": "cached"}}}
    light.save_answer(key, changed)
    with first_start(cache) as (client, answer, _):
        assert json.loads(answer)["result"]["serverInfo"] == {"name": "cached"}
        assert client.request("shutdown", None) is None
        assert sum(b'"serverInfo"' in body for body in client.raw) == 1
    assert light.read_answer(key) == recorded


def test_utf8_columns_are_the_same_on_both_paths(cache: Path) -> None:
    cold = session(cache, "utf-8")
    assert b'"positionEncoding": "utf-8"' in cold[0]
    assert session(cache, "utf-8") == cold
    summary = json.loads(cold[1])["params"]["diagnostics"]
    assert position("prioritise", "utf-8") in [found["range"]["start"] for found in summary]
    assert position("prioritise", "utf-8") != position("prioritise", "utf-16")


def test_an_untrusted_or_broken_cache_is_ignored(cache: Path) -> None:
    cold = session(cache)
    key = light.capabilities_key(initialize_params(cache))
    path = light.cache_file(key)
    recorded = light.read_answer(key)
    assert recorded is not None
    forged = {**recorded, "result": {**recorded["result"], "serverInfo": {"name": "forged"}}}

    light.save_answer(key, forged)
    path.chmod(0o666)  # writable by others: not trusted
    assert light.read_answer(key) is None
    assert session(cache) == cold

    sound = path.read_bytes()  # pygls's answer, recorded again
    for broken in (b"not json at all", sound[:-5], sound.replace(b'"mission"', b'"missiom"')):
        path.write_bytes(broken)
        path.chmod(0o600)
        assert light.read_answer(key) is None
        assert session(cache) == cold
    assert light.read_answer(key) == recorded  # the full start wrote it again

    if hasattr(os, "geteuid") and os.geteuid() == 0:  # root can give it to someone else
        os.chown(path, 4242, -1)
        assert light.read_answer(key) is None
        os.chown(path, 0, -1)
    elsewhere = path.with_name("elsewhere.json")
    path.rename(elsewhere)
    path.symlink_to(elsewhere)  # a link, even to a sound record, is not ours to follow
    assert light.read_answer(key) is None
    path.unlink()
    elsewhere.rename(path)
    assert light.read_answer(key) == recorded

    other = light.capabilities_key({**initialize_params(cache), "capabilities": {}})
    light.save_answer(other, recorded)
    light.cache_file(key).write_bytes(light.cache_file(other).read_bytes())
    assert light.read_answer(key) is None  # a record made for other capabilities


def test_an_unexpected_message_is_handed_to_pygls_and_answered_once(cache: Path) -> None:
    session(cache)  # recorded: the next start is light
    client = RawClient(COMMAND, ROOT)
    try:
        assert client.request("initialize", initialize_params(cache))["capabilities"]
        assert client.request("shutdown", None) is None  # before `initialized`: pygls's
        client.notify("exit", None)
        assert client.process.wait(timeout=10) == 0
        assert sum(b'"result": {"capabilities"' in body for body in client.raw) == 1
        assert len(client.raw) == 2
    finally:
        client.close()


@pytest.mark.parametrize("after", ["initialize", "initialized"])
def test_exit_during_the_light_phase_ends_the_process(cache: Path, after: str) -> None:
    session(cache)  # recorded: the next start is light
    client = LspClient(COMMAND, ROOT)
    try:
        client.request("initialize", initialize_params(cache))
        if after == "initialized":
            client.notify("initialized", {})
        client.notify("exit", None)
        assert client.process.wait(timeout=10) == 1  # no `shutdown` was asked
    finally:
        client.close()


def test_the_client_closing_at_once_ends_the_server(cache: Path) -> None:
    done = subprocess.run(COMMAND, cwd=ROOT, stdin=subprocess.DEVNULL, capture_output=True,
                          timeout=30, env=os.environ)
    assert done.returncode == 0 and done.stdout == b""


@pytest.mark.parametrize("encoding", ["utf-16", "utf-8"])
def test_both_paths_convert_diagnostics_alike(tmp_path: Path, encoding: str) -> None:
    uri = (tmp_path / "plan.mission").as_uri()
    snapshot = features.Snapshot.build(uri, BROKEN, encoding)
    structured = get_converter().unstructure(features.diagnostics(snapshot))
    params = plain.publish_params(uri, LineIndex(BROKEN, encoding),
                                  list(snapshot.result.diagnostics), 1)
    assert json.dumps(params["diagnostics"]) == json.dumps(structured)
    assert any("relatedInformation" in found for found in structured)


def test_the_light_phase_imports_neither_pygls_nor_lsprotocol(tmp_path: Path) -> None:
    """What makes it light: compiling and converting the first document needs neither."""
    opened = {"params": {"textDocument": {"uri": (tmp_path / "plan.mission").as_uri(),
                                          "version": 1, "text": BROKEN}}}
    answer = {"result": {"capabilities": {"positionEncoding": "utf-16"}}}
    code = ("import json, sys\n"
            "from mission.lsp import light\n"
            f"found = light._first_diagnostics(json.loads({json.dumps(json.dumps(opened))}), "
            f"json.loads({json.dumps(json.dumps(answer))}))\n"
            "assert found is not None and found['diagnostics'], found\n"
            "print(sorted(name for name in sys.modules if name.split('.')[0] in "
            "('pygls', 'lsprotocol', 'cattrs', 'attrs', 'attr')))\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
