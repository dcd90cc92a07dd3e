""""Did you mean ...?" for misspelled names, and the single certain correction for autofixes."""

from __future__ import annotations

from collections.abc import Iterable

from compiler.ast import Span
from compiler.diagnostics import Edit, Fix

_CUTOFF = 0.6
_MARGIN = 0.15


def closest(word: str, candidates: Iterable[str]) -> str | None:
    """The single best close match, or None when nothing is close enough."""
    import difflib  # here: a file without mistakes never needs it (start-up time)

    matches = difflib.get_close_matches(word, sorted(set(candidates)), n=1, cutoff=_CUTOFF)
    return matches[0] if matches else None


def certain(word: str, candidates: Iterable[str]) -> str | None:
    """The one clearly closest candidate (safe to apply as a fix), else None.

    Clearly: the only candidate that is close at all, or one ahead of the
    runner-up by at least `_MARGIN`, so that no second spelling is plausible.
    """
    import difflib

    scored = sorted(((difflib.SequenceMatcher(None, word, candidate).ratio(), candidate)
                     for candidate in set(candidates)), key=lambda item: (-item[0], item[1]))
    close = [item for item in scored if item[0] >= _CUTOFF]
    if not close:
        return None
    if len(close) > 1 and close[1][0] > close[0][0] - _MARGIN:
        return None
    return close[0][1]


def did_you_mean(word: str, candidates: Iterable[str]) -> tuple[str, ...]:
    """A help line suggesting the closest candidate, or nothing."""
    match = closest(word, candidates)
    return (f"did you mean `{match}`?",) if match else ()


def rename_fix(word: str, span: Span, candidates: Iterable[str]) -> Fix | None:
    """A fix replacing `word` at `span` by its one close match, or None when unsure."""
    match = certain(word, candidates)
    if match is None:
        return None
    return Fix(f"replace `{word}` with `{match}`", (Edit(span, match),))


def one_of(candidates: Iterable[str]) -> str:
    names = [f"`{name}`" for name in sorted(candidates)]
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " or " + names[-1]


LISTED_AT_MOST = 12


def listed(candidates: Iterable[str], what: str) -> str:
    """A help line naming the candidates, or, when there are more than a glance takes in,
    where the whole list is: `mission explain operations`."""
    names = sorted(candidates)
    if len(names) <= LISTED_AT_MOST:
        return f"{what}: {one_of(names)}"
    return f"`mission explain operations` lists the {len(names)} {what}"
