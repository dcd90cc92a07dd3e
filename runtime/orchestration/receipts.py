"""The receipt of a run: a hash chain over what it was given and what each step did.

The head hashes the workflow, the params, the initial state (and the start, when one
was recorded); each step adds a link hashing the previous link, the step, its status,
its changes to the state and what it consumed (an answer, a journaled effect); the
digest closes the chain with the outcome. Any edit of a recorded run changes a link,
so `mission verify` finds it by replaying the run.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from runtime.orchestration.calling import Change
from runtime.orchestration.canonical import (
    StateHasher,
    canonical_hash,
    data_hash,
    json_string,
    text_hash,
)

NO_INPUT = object()  # a step that consumed neither an answer nor an effect
_NO_CHANGES_HASH = canonical_hash([])
_EMPTY_MAP_HASH = canonical_hash({})


class ReceiptChain:
    """One run's chain, link by link; `receipt` closes it."""

    def __init__(self, workflow_hash: str, params: Any, state: Any,
                 started: dict[str, Any] | None) -> None:
        self.workflow_hash = workflow_hash
        self.hasher = StateHasher()  # the final state reuses the initial state's text
        self.initial_state_hash = self.hasher.hash(state)
        self.params_hash = data_hash(params)
        self.head = head_hash(workflow_hash, self.params_hash, self.initial_state_hash) \
            if started is None else canonical_hash(
                {"initial_state": self.initial_state_hash, "params": self.params_hash,
                 "started": started, "workflow": workflow_hash})
        self.links: list[dict[str, Any]] = []

    def add(self, step_id: str, status: str, changes: Sequence[Change], consumed: Any) -> None:
        """A step's link (`consumed` is `NO_INPUT` when it consumed nothing)."""
        change_hash = data_hash([change.to_json() for change in changes]) if changes \
            else _NO_CHANGES_HASH
        input_hash = None if consumed is NO_INPUT else data_hash(consumed)
        previous = self.links[-1]["link"] if self.links else self.head
        link = link_hash(previous, step_id, status, change_hash, input_hash)
        self.links.append({"changes": change_hash, "input": input_hash, "link": link,
                           "status": status, "step": step_id})

    def receipt(self, workflow_id: str, status: str, final_state: Any, answers: Any,
                journal: Any, error_message: str | None, executed: list[str],
                skipped: list[str]) -> dict[str, Any]:
        final_state_hash = self.hasher.hash(final_state)
        answers_hash = data_hash(answers) if answers else _EMPTY_MAP_HASH
        journal_hash = data_hash(journal) if journal else _EMPTY_MAP_HASH
        last = self.links[-1]["link"] if self.links else self.head
        return {
            "answers_hash": answers_hash,
            "chain": self.links,
            "digest": digest_hash(last, status, final_state_hash, answers_hash, journal_hash,
                                  error_message),
            "final_state_hash": final_state_hash,
            "head": self.head,
            "id": workflow_id,
            "initial_state_hash": self.initial_state_hash,
            "journal_hash": journal_hash,
            "params_hash": self.params_hash,
            "skipped": skipped,
            "status": status,
            "steps": executed,
            "workflow_hash": self.workflow_hash,
        }


# The hashes of small lists and maps of hex digests and names: their canonical JSON
# written directly (a digest needs no escaping), for a third of what encoding them
# costs; `tests/runtime/test_plans.py` checks each against `canonical_hash`.


def head_hash(workflow_hash: str, params_hash: str, initial_state_hash: str) -> str:
    """`canonical_hash({"workflow": ..., "params": ..., "initial_state": ...})`."""
    return text_hash(f'{{"initial_state":"{initial_state_hash}","params":"{params_hash}",'
                     f'"workflow":"{workflow_hash}"}}')


def link_hash(previous: str, step_id: str, status: str, change_hash: str,
              input_hash: str | None) -> str:
    """`canonical_hash([previous, step_id, status, change_hash, input_hash])`."""
    return text_hash(f'["{previous}",{json_string(step_id)},{json_string(status)},'
                     f'"{change_hash}",{_quoted(input_hash)}]')


def digest_hash(last: str, status: str, final_state_hash: str, answers_hash: str,
                journal_hash: str, error_message: str | None) -> str:
    """`canonical_hash([last, status, final_state_hash, answers_hash, journal_hash,
    error_message])`."""
    return text_hash(f'["{last}",{json_string(status)},"{final_state_hash}","{answers_hash}",'
                     f'"{journal_hash}",{_quoted(error_message)}]')


def _quoted(text: str | None) -> str:
    return "null" if text is None else json_string(text)
