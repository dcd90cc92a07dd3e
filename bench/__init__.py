"""The benchmark suite: `python -m bench` (see docs/performance.md).

Each scenario measures `mission` against the tool a user would pick instead,
in the same run, interleaved over several rounds; the table reports medians
and the ratio against each goal. Timings live here, never in tests.
"""
