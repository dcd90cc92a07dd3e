"""Fuzzing: grammar-based and mutation-based hypothesis tests, and every crasher replayed.

`budget(n)` gives each fuzz test `n` examples in the normal run. For a longer
campaign, `HYPOTHESIS_PROFILE=fuzz pytest tests/fuzz` gives every one of them
`MISSION_FUZZ_EXAMPLES` examples (default 20,000) instead; add
`--hypothesis-show-statistics` for the counts and times (docs/security.md).
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

FUZZING = os.environ.get("HYPOTHESIS_PROFILE") == "fuzz"


def budget(examples: int) -> settings:
    """Hypothesis settings for a fuzz test: `examples` examples, or the fuzz campaign's."""
    if FUZZING:
        examples = int(os.environ.get("MISSION_FUZZ_EXAMPLES", "20000"))
    return settings(max_examples=examples, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                           HealthCheck.data_too_large])
