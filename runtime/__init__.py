"""The mission runtime: a pure, deterministic engine for compiled workflows.

Nothing under `runtime` imports `lark` or `compiler`, except the registry of
built-in missions, which compiles their `.mission` files on first use.
"""
