"""What a run store raises, whichever it is (SQLite or PostgreSQL), and the outbox it
keeps with its runs."""

from __future__ import annotations


class StoreError(Exception):
    """The store cannot be used, or a run in it cannot (missing, damaged, busy, changed)."""


class UnknownRun(StoreError):
    """No run has this id in the store."""


class AlreadyFired(StoreError):
    """A run for this schedule's fire time was already started (or the fire was skipped)."""
