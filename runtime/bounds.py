"""The bounds on data that every layer shares, in one place.

The compiler refuses (E023) what goes over them, the engine refuses a hand-written
compiled workflow or an input that does, and the run store reads records nested up
to `MAX_RECORD_DEPTH`: so what `mission check` accepts runs, and what the engine
accepts is stored, listed, resumed and verified. This module imports nothing, so the
compiler's configuration can read it without loading the engine.
"""

from __future__ import annotations

# Levels of one JSON value mission takes in or holds: params, state (the whole state,
# paths included), answers, effect results, a step's payload, metadata.
MAX_DEPTH = 100
# Parts of one `state.`/`param.` path after its root. Writing a path nests the state one
# level per part, on top of the value written.
MAX_PATH_PARTS = 16
# Levels of one expression in the source (`max-depth` is at most this). Its compiled form
# takes two JSON levels per level (`{"list": [...]}`, `{"op": ..., "args": [...]}`) inside
# a payload's `args`, so it stays within MAX_DEPTH.
MAX_EXPRESSION_DEPTH = 48
# Levels a run record adds above the values it holds: the deepest is a step's payload
# (`record.workflow.steps[i].payload`, 4 levels); the rest is room.
RECORD_OVERHEAD = 8
MAX_RECORD_DEPTH = MAX_DEPTH + RECORD_OVERHEAD

# Bytes mission reads from one file it is given (`runtime.reading`, the limit applied while
# reading, never taken from `stat`): a JSON value (params, state, answers, a compiled
# workflow, a receipt), a file of JSON lines (a batch, a store export), a configuration
# file. A mission's source is bounded by the compiler's `max-file-size` instead.
MAX_DATA_FILE_BYTES = 64 * 1024 * 1024
MAX_LINES_FILE_BYTES = 256 * 1024 * 1024
MAX_CONFIG_FILE_BYTES = 1024 * 1024

# A human step's time limits and approvals (docs/language.md, "Deadlines and who may
# answer"): the compiler refuses a mission over them (E044, E046, E048), and the engine a
# compiled workflow. Each deadline waits from 1 minute to 52 weeks (durations are exact: a
# day is 24 hours, a week 7 days); at most 4 deadlines, so at most 3 escalations.
MIN_DEADLINE_SECONDS = 60
MAX_DEADLINE_SECONDS = 52 * 7 * 24 * 3600
MAX_DEADLINES = 4
# `by N of GROUP`: N distinct people, 1 to 20.
MAX_APPROVALS = 20
