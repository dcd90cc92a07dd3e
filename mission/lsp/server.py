"""pygls wiring: each LSP message calls one function of `mission.lsp.features`.

Documents are compiled once per version (a snapshot) and diagnostics are
published on open, change and save, and cleared on close.
"""

from __future__ import annotations

from lsprotocol import types
from pygls.lsp.server import LanguageServer

from compiler.format import FormatError
from mission.lsp import features
from mission.lsp.features import Snapshot

VERSION = "0.1.0"


class MissionServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("mission", VERSION)
        self.snapshots: dict[str, Snapshot] = {}

    def snapshot(self, uri: str) -> Snapshot:
        text = self.workspace.get_text_document(uri).source
        cached = self.snapshots.get(uri)
        if cached is None or cached.text != text:
            encoding = str(self.workspace.position_encoding or types.PositionEncodingKind.Utf16)
            cached = Snapshot.build(uri, text, encoding)
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

    @server.feature(types.TEXT_DOCUMENT_CODE_ACTION,
                    types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix]))
    def code_actions(ls: MissionServer,
                     params: types.CodeActionParams) -> list[types.CodeAction]:
        return features.code_actions(ls.snapshot(params.text_document.uri), params.range)

    return server
