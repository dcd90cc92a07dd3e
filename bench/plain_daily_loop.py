"""The baseline of the engine scenario: `daily_loop` written by hand in plain Python.

It computes what the compiled mission computes (the summary, the ranking and
the log entry, for a confirmed day) and one sha256 over the canonical JSON of
its final state, and nothing else: no envelope checks, no receipts, no
lineage, no deep copies (the input is not changed, and not copied either).
What a user would write without the engine.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from typing import Any

__all__ = ["daily_loop"]


def _rank(task: dict[str, Any]) -> tuple[bool, int, bool, str, str]:
    priority, due = task.get("priority"), task.get("due")
    return (priority is None, priority or 0, due is None, due or "", task["id"])


def daily_loop(state: dict[str, Any], today: str, top_n: int = 3) -> tuple[dict[str, Any], str]:
    """The final state of a confirmed daily loop, and the sha256 of its canonical JSON."""
    tasks = state["tasks"]
    yesterday = (datetime.date.fromisoformat(today) - datetime.timedelta(days=1)).isoformat()
    open_tasks = [task for task in tasks if task["status"] == "open"]
    summary = {
        "done_yesterday": sorted(task["id"] for task in tasks
                                 if task["status"] == "done" and task.get("done_on") == yesterday),
        "open": len(open_tasks),
        "overdue": sorted(task["id"] for task in open_tasks
                          if task.get("due") is not None and task["due"] < today),
    }
    priorities = [task["id"] for task in sorted(open_tasks, key=_rank)[:top_n]]
    entry = {"day": today, "summary": summary, "priorities": priorities}
    final = {**state, "summary": summary, "priorities": priorities, "confirmed": True,
             "log": [*state.get("log", []), entry]}  # the caller's state is left as it was
    text = json.dumps(final, sort_keys=True, separators=(",", ":"))
    return final, hashlib.sha256(text.encode("utf-8")).hexdigest()
