"""The `mission` command line: one command, many subcommands.

Subcommand modules are imported only when run, so `mission --help` stays fast
and `mission run compiled.json` never imports `lark`.
"""
