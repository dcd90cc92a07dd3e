"""The language server (`mission lsp`): diagnostics, hover, completion, navigation,
symbols, formatting and quick fixes for `.mission` files, over stdio with pygls.

`features` and `context` hold the language logic as plain functions of the
text; `server` only wires them to LSP messages.
"""
