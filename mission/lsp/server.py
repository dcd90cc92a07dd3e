"""pygls wiring: each LSP message calls one function of `mission.lsp.features`.

Documents are compiled once per version and configuration (a snapshot), and
diagnostics are published on open, change and save, and cleared on close. The
rules in force come from the project's configuration (`mission.toml` or
`[tool.mission]` in pyproject.toml), found from the document's folder upwards,
so the editor shows what `mission check` run in the project reports.

The work (compiling, and every feature) runs in the server's own worker threads,
never on the loop that reads messages: a long request on a large document cannot
delay `shutdown`, `exit`, a cancellation or a request about another document, and
`exit` ends the process at once, whatever is still being computed (nothing is left
to save). pygls reads standard input in its own thread pool, which the work
therefore does not share.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from lsprotocol import types
from pygls.lsp.server import LanguageServer

from compiler.config import DEFAULT, Config, ConfigError, find_config, load_config
from compiler.format import FormatError
from mission.lsp import features
from mission.lsp.snapshot import Snapshot, path_of

SERVER_NAME = "mission"
SERVER_VERSION = "0.1.0"
# The files whose changes can change the rules in force (watched by the client).
CONFIG_FILES = ("mission.toml", "pyproject.toml")
# Threads for the work: two, so one long request leaves room for the next.
WORKERS = 2

Result = TypeVar("Result")


class MissionServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__(SERVER_NAME, SERVER_VERSION)
        self.snapshots: dict[str, Snapshot] = {}
        # Each configuration file read, with its (mtime, size): read again when they change.
        self.configs: dict[str, tuple[tuple[int, int], Config]] = {}
        self.reported: set[str] = set()  # configuration problems already shown
        self.work = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="mission-lsp")
        self.building: dict[str, threading.Lock] = {}  # one build of a document at a time
        self.guard = threading.Lock()  # for `building`, `snapshots` and `configs`
        self.shut_down = False  # `shutdown` was asked: `exit` then ends with status 0
        self.loop: asyncio.AbstractEventLoop | None = None  # the message loop, once running

    async def off_loop(self, work: Callable[..., Result], *args: Any) -> Result:
        """`work(*args)` in a worker thread, so the message loop stays free; what it has to
        say to the client goes through `tell`."""
        self.loop = asyncio.get_running_loop()
        return await self.loop.run_in_executor(self.work, work, *args)

    def config(self, uri: str) -> Config:
        """The configuration for the document; the defaults (and a warning) when it is broken."""
        path = path_of(uri)
        start = Path(path).parent if uri.startswith("file:") else \
            Path(self.workspace.root_path or ".")
        try:
            found = find_config(start)
            if found is None:
                return DEFAULT
            stat = found.stat()
            stamp = (stat.st_mtime_ns, stat.st_size)
            known = self.configs.get(str(found))
            if known is None or known[0] != stamp:
                known = (stamp, load_config(found))
                self.configs[str(found)] = known
            return known[1]
        except (ConfigError, OSError) as problem:
            message = f"mission: {problem}; using the default rules until it is fixed"
            if message not in self.reported:
                self.reported.add(message)
                self.tell(types.ShowMessageParams(types.MessageType.Warning, message))
            return DEFAULT

    def snapshot(self, uri: str) -> Snapshot:
        """The document compiled as it is now; requests that need it while it is being
        built wait for that build instead of starting their own."""
        with self.guard:
            lock = self.building.setdefault(uri, threading.Lock())
        with lock:
            text = self.workspace.get_text_document(uri).source
            with self.guard:
                config = self.config(uri)
                cached = self.snapshots.get(uri)
            # A test file depends on its mission too: built again each time it is asked for.
            if cached is None or cached.text != text or cached.config != config \
                    or cached.result.tests is not None:
                encoding = str(self.workspace.position_encoding
                               or types.PositionEncodingKind.Utf16)
                cached = Snapshot.build(uri, text, encoding, config, self.read)
                with self.guard:
                    self.snapshots[uri] = cached
            return cached

    def read(self, path: str) -> str:
        """A file as the editor has it (an open document's text, saved or not), else as it
        is on disk: the mission a test file tests."""
        for document in list(self.workspace.text_documents.values()):
            if document.uri.startswith("file:") and path_of(document.uri) == path:
                return str(document.source)
        from compiler.testfile.check import default_reader

        return default_reader(self.config(Path(path).as_uri()).limits.max_file_size)(path)

    def test_files(self, changed: str) -> list[str]:
        """The open test files other than `changed`: a change of a mission may change what
        their checks find."""
        with self.guard:
            own = self.snapshots.get(changed)
            if own is None or own.result.tests is not None:
                return []
            return [uri for uri, snapshot in self.snapshots.items()
                    if uri != changed and snapshot.result.tests is not None]

    def current_diagnostics(self, uri: str,
                            version: int | None) -> list[types.Diagnostic] | None:
        """The document's diagnostics (in a worker); None when it was closed or changed
        again since `version` (the newer change publishes)."""
        document = self.workspace.text_documents.get(uri)
        if document is None or (version is not None and document.version != version):
            return None
        return features.diagnostics(self.snapshot(uri))

    async def publish(self, uri: str, version: int | None = None) -> None:
        found = await self.off_loop(self.current_diagnostics, uri, version)
        if found is not None:  # sent from the loop, like every message
            self.text_document_publish_diagnostics(
                types.PublishDiagnosticsParams(uri=uri, diagnostics=found, version=version))
        if version is None or found is not None:
            for other in self.test_files(uri):
                found = await self.off_loop(self.current_diagnostics, other, None)
                if found is not None:
                    self.text_document_publish_diagnostics(
                        types.PublishDiagnosticsParams(uri=other, diagnostics=found))

    def tell(self, message: types.ShowMessageParams | types.LogMessageParams) -> None:
        """Show or log `message` from a worker: the loop sends it, so that no two threads
        ever write to the client at once."""
        if self.loop is None:
            self._send(message)
        else:
            self.loop.call_soon_threadsafe(self._send, message)

    def _send(self, message: types.ShowMessageParams | types.LogMessageParams) -> None:
        if isinstance(message, types.ShowMessageParams):
            self.window_show_message(message)
        else:
            self.window_log_message(message)

    def snippets(self) -> bool:
        document = self.client_capabilities.text_document
        completion = document.completion if document is not None else None
        item = completion.completion_item if completion is not None else None
        return bool(item is not None and item.snippet_support)


def build_server() -> MissionServer:
    server = MissionServer()

    @server.feature(types.SHUTDOWN)
    def shutdown(ls: MissionServer, *params: object) -> None:
        ls.shut_down = True

    @server.feature(types.EXIT)
    def exit_now(ls: MissionServer, *params: object) -> None:
        # Exit at once: the interpreter would otherwise wait for the worker threads.
        os._exit(0 if ls.shut_down else 1)

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    async def did_open(ls: MissionServer, params: types.DidOpenTextDocumentParams) -> None:
        await ls.publish(params.text_document.uri, params.text_document.version)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    async def did_change(ls: MissionServer, params: types.DidChangeTextDocumentParams) -> None:
        await ls.publish(params.text_document.uri, params.text_document.version)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    async def did_save(ls: MissionServer, params: types.DidSaveTextDocumentParams) -> None:
        await ls.publish(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: MissionServer, params: types.DidCloseTextDocumentParams) -> None:
        with ls.guard:
            ls.snapshots.pop(params.text_document.uri, None)
            ls.building.pop(params.text_document.uri, None)
        ls.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=params.text_document.uri, diagnostics=[]))

    @server.feature(types.INITIALIZED)
    def initialized(ls: MissionServer, params: types.InitializedParams) -> None:
        workspace = ls.client_capabilities.workspace
        watched = workspace.did_change_watched_files if workspace is not None else None
        if watched is not None and watched.dynamic_registration:
            watchers = [types.FileSystemWatcher(glob_pattern=f"**/{name}")
                        for name in CONFIG_FILES]
            ls.client_register_capability(types.RegistrationParams([types.Registration(
                id="mission-config", method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                register_options=types.DidChangeWatchedFilesRegistrationOptions(watchers))]))

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    async def watched_files_changed(ls: MissionServer,
                                    params: types.DidChangeWatchedFilesParams) -> None:
        if any(change.uri.rsplit("/", 1)[-1] in CONFIG_FILES for change in params.changes):
            ls.reported.clear()
            for uri in list(ls.snapshots):
                await ls.publish(uri)

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    async def hover(ls: MissionServer, params: types.HoverParams) -> types.Hover | None:
        return await ls.off_loop(lambda: features.hover(
            ls.snapshot(params.text_document.uri), params.position))

    @server.feature(types.TEXT_DOCUMENT_COMPLETION,
                    types.CompletionOptions(trigger_characters=[".", "(", ",", " "]))
    async def completion(ls: MissionServer,
                         params: types.CompletionParams) -> types.CompletionList:
        return await ls.off_loop(lambda: features.completion(
            ls.snapshot(params.text_document.uri), params.position, ls.snippets()))

    @server.feature(types.TEXT_DOCUMENT_DEFINITION)
    async def definition(ls: MissionServer,
                         params: types.DefinitionParams) -> list[types.Location]:
        return await ls.off_loop(lambda: features.definition(
            ls.snapshot(params.text_document.uri), params.position))

    @server.feature(types.TEXT_DOCUMENT_REFERENCES)
    async def references(ls: MissionServer,
                         params: types.ReferenceParams) -> list[types.Location]:
        return await ls.off_loop(lambda: features.references(
            ls.snapshot(params.text_document.uri), params.position,
            params.context.include_declaration))

    @server.feature(types.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
    async def symbols(ls: MissionServer,
                      params: types.DocumentSymbolParams) -> list[types.DocumentSymbol]:
        return await ls.off_loop(lambda: features.document_symbols(
            ls.snapshot(params.text_document.uri)))

    def format_document(ls: MissionServer, uri: str) -> list[types.TextEdit] | None:
        try:
            return features.formatting(ls.snapshot(uri))
        except FormatError as problem:
            ls.tell(types.LogMessageParams(types.MessageType.Warning, f"mission fmt: {problem}"))
            return None

    @server.feature(types.TEXT_DOCUMENT_FORMATTING)
    async def formatting(ls: MissionServer,
                         params: types.DocumentFormattingParams) -> list[types.TextEdit] | None:
        return await ls.off_loop(format_document, ls, params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_CODE_ACTION, types.CodeActionOptions(
        code_action_kinds=[types.CodeActionKind.QuickFix, features.FIX_ALL]))
    async def code_actions(ls: MissionServer,
                           params: types.CodeActionParams) -> list[types.CodeAction]:
        only = [str(kind) for kind in params.context.only] \
            if params.context.only is not None else None
        return await ls.off_loop(lambda: features.code_actions(
            ls.snapshot(params.text_document.uri), params.range, only))

    return server
