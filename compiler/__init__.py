"""The mission compiler: `.mission` text to diagnostics and a `WorkflowDefinition`.

`compile_source` never raises on user input: every problem is a diagnostic.
The pipeline: parse (recovering from syntax errors), check (errors E0xx),
lint (the rules in force for this path, see `compiler.config`), inline
suppressions (`compiler.suppress`), severity overrides, then emit when no
error is left. Importing this package does not import `lark`; the first parse
does.
"""

from __future__ import annotations

from compiler.pipeline import compile_file, compile_source
from compiler.result import CompileResult

__all__ = ["CompileResult", "compile_file", "compile_source"]
