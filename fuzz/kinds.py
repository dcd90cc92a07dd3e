"""The kinds of input a campaign draws (`python -m fuzz KIND`), each with what draws one
and what checks it: above the harness and the configuration fuzzer, which define them."""

from __future__ import annotations

import contextlib
import random
from collections.abc import Callable
from pathlib import Path

from fuzz.config_fuzz import check_config, draw_config
from fuzz.harness import (
    GrammarWalker,
    Input,
    Workspace,
    check_every_phase,
    check_store,
    check_testfile,
    check_time,
    check_values,
    check_workflow,
    draw_store,
    draw_testfile,
    draw_time,
    draw_values,
    draw_workflow,
    mutate_text,
    seed_text,
)


class Kind:
    """One input kind: `draw(rng)` makes an input, `check(input)` runs it through mission."""

    def __init__(self, name: str, root: Path) -> None:
        self.name = name
        self.root = root
        self.space: Workspace | None = None
        self.walker: GrammarWalker | None = None
        if name == "grammar":
            self.walker = GrammarWalker()
        elif name not in ("mutation", "config"):
            self.space = Workspace(root)

    @property
    def suffix(self) -> str:
        return {"grammar": ".mission", "mutation": ".mission", "workflow": ".json",
                "values": ".json", "store": ".sqlite3", "time": ".json",
                "testfile": ".txt", "config": ".toml"}[self.name]

    def draw(self, rng: random.Random) -> Input:
        if self.walker is not None:
            return self.walker.text(rng, rng.choice([6, 9, 12, 16]))
        if self.name == "config":
            return draw_config(rng)
        if self.space is None:
            return mutate_text(rng, seed_text(rng))
        drawing: dict[str, Callable[[random.Random, Workspace], Input]] = {
            "workflow": draw_workflow, "values": draw_values, "store": draw_store,
            "time": draw_time, "testfile": draw_testfile}
        return drawing[self.name](rng, self.space)

    def check(self, drawn: Input) -> None:
        if self.name == "config":
            assert isinstance(drawn, str)
            check_config(drawn, self.root)
            return
        if self.space is None:
            assert isinstance(drawn, str)
            check_every_phase(drawn)
            return
        with contextlib.chdir(self.space.root):
            if isinstance(drawn, bytes):
                check_store(drawn, self.space)
            elif self.name == "workflow":
                check_workflow(drawn, self.space)
            elif self.name == "time":
                check_time(drawn, self.space)
            elif self.name == "testfile":
                check_testfile(drawn, self.space)
            else:
                check_values(drawn, self.space)


KINDS = ("grammar", "mutation", "workflow", "values", "store", "time", "testfile",
         "config")
