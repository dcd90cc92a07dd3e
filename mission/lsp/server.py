"""pygls wiring: each LSP message calls one function of `mission.lsp.features`.

Documents are compiled once per version and configuration (a snapshot), and
diagnostics are published on open, change and save, and cleared on close. The
rules in force come from the project's configuration (`mission.toml` or
`[tool.mission]` in pyproject.toml), found from the document's folder upwards,
so the editor shows what `mission check` run in the project reports.
"""

from __future__ import annotations

from pathlib import Path

from lsprotocol import types
from pygls.lsp.server import LanguageServer

from compiler.config import DEFAULT, Config, ConfigError, find_config, load_config
from compiler.format import FormatError
from mission.lsp import features
from mission.lsp.features import Snapshot

VERSION = "0.1.0"

# The files whose changes can change the rules in force (watched by the client).
CONFIG_FILES = ("mission.toml", "pyproject.toml")


class MissionServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("mission", VERSION)
        self.snapshots: dict[str, Snapshot] = {}
        # Each configuration file read, with its (mtime, size): read again when they change.
        self.configs: dict[str, tuple[tuple[int, int], Config]] = {}
        self.reported: set[str] = set()  # configuration problems already shown

    def config(self, uri: str) -> Config:
        """The configuration for the document; the defaults (and a warning) when it is broken."""
        path = features.path_of(uri)
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
                self.window_show_message(types.ShowMessageParams(types.MessageType.Warning,
                                                                 message))
            return DEFAULT

    def snapshot(self, uri: str) -> Snapshot:
        text = self.workspace.get_text_document(uri).source
        config = self.config(uri)
        cached = self.snapshots.get(uri)
        if cached is None or cached.text != text or cached.config != config:
            encoding = str(self.workspace.position_encoding or types.PositionEncodingKind.Utf16)
            cached = Snapshot.build(uri, text, encoding, config)
            self.snapshots[uri] = cached
        return cached

    def publish(self, uri: str, version: int | None = None) -> None:
        found = features.diagnostics(self.snapshot(uri))
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=found, version=version))

    def snippets(self) -> bool:
        document = self.client_capabilities.text_document
        completion = document.completion if document is not None else None
        item = completion.completion_item if completion is not None else None
        return bool(item is not None and item.snippet_support)


def build_server() -> MissionServer:
    server = MissionServer()

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: MissionServer, params: types.DidOpenTextDocumentParams) -> None:
        ls.publish(params.text_document.uri, params.text_document.version)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: MissionServer, params: types.DidChangeTextDocumentParams) -> None:
        ls.publish(params.text_document.uri, params.text_document.version)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: MissionServer, params: types.DidSaveTextDocumentParams) -> None:
        ls.publish(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: MissionServer, params: types.DidCloseTextDocumentParams) -> None:
        ls.snapshots.pop(params.text_document.uri, None)
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
    def watched_files_changed(ls: MissionServer,
                              params: types.DidChangeWatchedFilesParams) -> None:
        if any(change.uri.rsplit("/", 1)[-1] in CONFIG_FILES for change in params.changes):
            ls.reported.clear()
            for uri in list(ls.snapshots):
                ls.publish(uri)

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    def hover(ls: MissionServer, params: types.HoverParams) -> types.Hover | None:
        return features.hover(ls.snapshot(params.text_document.uri), params.position)

    @server.feature(types.TEXT_DOCUMENT_COMPLETION,
                    types.CompletionOptions(trigger_characters=[".", "(", ",", " "]))
    def completion(ls: MissionServer, params: types.CompletionParams) -> types.CompletionList:
        return features.completion(ls.snapshot(params.text_document.uri), params.position,
                                   ls.snippets())

    @server.feature(types.TEXT_DOCUMENT_DEFINITION)
    def definition(ls: MissionServer, params: types.DefinitionParams) -> list[types.Location]:
        return features.definition(ls.snapshot(params.text_document.uri), params.position)

    @server.feature(types.TEXT_DOCUMENT_REFERENCES)
    def references(ls: MissionServer, params: types.ReferenceParams) -> list[types.Location]:
        return features.references(ls.snapshot(params.text_document.uri), params.position,
                                   params.context.include_declaration)

    @server.feature(types.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
    def symbols(ls: MissionServer,
                params: types.DocumentSymbolParams) -> list[types.DocumentSymbol]:
        return features.document_symbols(ls.snapshot(params.text_document.uri))

    @server.feature(types.TEXT_DOCUMENT_FORMATTING)
    def formatting(ls: MissionServer,
                   params: types.DocumentFormattingParams) -> list[types.TextEdit] | None:
        try:
            return features.formatting(ls.snapshot(params.text_document.uri))
        except FormatError as problem:
            ls.window_log_message(types.LogMessageParams(types.MessageType.Warning,
                                                         f"mission fmt: {problem}"))
            return None

    @server.feature(types.TEXT_DOCUMENT_CODE_ACTION, types.CodeActionOptions(
        code_action_kinds=[types.CodeActionKind.QuickFix, features.FIX_ALL]))
    def code_actions(ls: MissionServer,
                     params: types.CodeActionParams) -> list[types.CodeAction]:
        only = [str(kind) for kind in params.context.only] \
            if params.context.only is not None else None
        return features.code_actions(ls.snapshot(params.text_document.uri), params.range, only)

    return server
