""""Did you mean ...?" for misspelled names."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def closest(word: str, candidates: Iterable[str]) -> str | None:
    """The single best close match, or None when nothing is close enough."""
    matches = difflib.get_close_matches(word, sorted(set(candidates)), n=1, cutoff=0.6)
    return matches[0] if matches else None


def did_you_mean(word: str, candidates: Iterable[str]) -> tuple[str, ...]:
    """A help line suggesting the closest candidate, or nothing."""
    match = closest(word, candidates)
    return (f"did you mean `{match}`?",) if match else ()


def one_of(candidates: Iterable[str]) -> str:
    names = [f"`{name}`" for name in sorted(candidates)]
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " or " + names[-1]
