"""Measuring side by side: interleaved rounds, medians, and the table they make.

Every scenario times our side and the baseline in the same run, alternating
which goes first from round to round, so that a machine busy with other work
slows both alike. A ratio is the median of the per-round ratios (each round
pairs the two measurements taken closest in time); the absolute medians are
shown for context only.
"""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["Comparison", "Row", "format_table", "interleave", "machine", "run_command",
           "time_calls"]


@dataclass(frozen=True, slots=True)
class Row:
    """One line of the table: a measurement against its baseline and its goal."""

    scenario: str
    ours: float
    baseline: float
    ratio: float
    goal: float | None  # the ratio must be <= goal; None: shown for information only
    unit: str = "ms"
    baseline_name: str = ""
    note: str = ""

    @property
    def holds(self) -> bool | None:
        return None if self.goal is None else self.ratio <= self.goal

    def to_json(self) -> dict[str, Any]:
        return {"scenario": self.scenario, "ours": self.ours, "baseline": self.baseline,
                "baseline_name": self.baseline_name, "unit": self.unit, "ratio": self.ratio,
                "goal": self.goal, "holds": self.holds, "note": self.note}


@dataclass(slots=True)
class Comparison:
    """Per-round measurements of several contenders."""

    samples: dict[str, list[float]] = field(default_factory=dict)

    def median(self, name: str) -> float:
        return statistics.median(self.samples[name])

    def ratio(self, ours: str, baseline: str) -> float:
        """Median over rounds of ours/baseline, each round paired."""
        pairs = zip(self.samples[ours], self.samples[baseline], strict=True)
        return statistics.median(a / b for a, b in pairs)

    def row(self, scenario: str, ours: str, baseline: str, goal: float | None,
            baseline_name: str, note: str = "") -> Row:
        """The table's row comparing two of the contenders (times in ms)."""
        return Row(scenario, self.median(ours), self.median(baseline),
                   self.ratio(ours, baseline), goal, baseline_name=baseline_name, note=note)


def interleave(contenders: dict[str, Callable[[], float]], rounds: int) -> Comparison:
    """Call each contender once per round, rotating the order; collect what they return."""
    names = list(contenders)
    comparison = Comparison({name: [] for name in names})
    for round_index in range(rounds):
        shift = round_index % len(names)
        for name in names[shift:] + names[:shift]:
            comparison.samples[name].append(contenders[name]())
    return comparison


def time_calls(function: Callable[[], object], repeat: int) -> Callable[[], float]:
    """A contender: the mean time of one call, in ms, over `repeat` calls in a row."""
    def measure() -> float:
        start = time.perf_counter()
        for _ in range(repeat):
            function()
        return (time.perf_counter() - start) * 1000 / repeat

    return measure


# Started by the bench as a small process of its own, it runs the command and prints the
# command's exit code and the largest peak of the processes it waited for (the command and,
# through it, the workers it waited for). On Linux a process's peak counts the image it was
# forked from until it called `exec`: in a full run, after scenario 5 had grown the bench to
# about 1.5 GB, both batch commands of row 7b reported 1.52 GB. Forked from this probe, a
# command counts the probe's 10 MB at most, less than any command measured here.
_RSS_PROBE = ("import resource, subprocess, sys\n"
              "code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL,"
              " stderr=subprocess.DEVNULL).returncode\n"
              "print(code, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")


def peak_rss(command: Sequence[str], env: dict[str, str], cwd: Path | None = None,
             ok: Sequence[int] = (0, 1)) -> float:
    """The peak resident memory of `command`, in MB: its largest process, workers included
    (see `_RSS_PROBE`)."""
    probe = subprocess.run([sys.executable, "-c", _RSS_PROBE, *command], env=env, cwd=cwd,
                           capture_output=True, text=True, check=True)
    code, peak = (int(field) for field in probe.stdout.split())
    if code not in ok:
        raise RuntimeError(f"{' '.join(command)} exited {code}")
    return peak / 1024  # KB on Linux


def run_command(command: Sequence[str], env: dict[str, str], cwd: Path | None = None,
                ok: Sequence[int] = (0, 1)) -> Callable[[], float]:
    """A contender: the wall time of one run of `command`, in ms."""
    def measure() -> float:
        start = time.perf_counter()
        completed = subprocess.run(list(command), env=env, cwd=cwd, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.PIPE, check=False)
        elapsed = (time.perf_counter() - start) * 1000
        if completed.returncode not in ok:
            raise RuntimeError(f"{' '.join(command)} exited {completed.returncode}: "
                               f"{completed.stderr.decode(errors='replace')[-500:]}")
        return elapsed

    return measure


def machine() -> dict[str, Any]:
    """What the numbers were measured on."""
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:
        cores = os.cpu_count() or 0
    try:
        load = os.getloadavg()
    except OSError:
        load = (0.0, 0.0, 0.0)
    return {"cpu": model or platform.processor(), "cores": cores,
            "python": sys.version.split()[0], "platform": platform.platform(),
            "load_average": [round(value, 2) for value in load]}


def _number(value: float, unit: str) -> str:
    if unit == "ms":
        return f"{value:.3f} ms" if value < 10 else f"{value:.1f} ms"
    return f"{value:.3g} {unit}"


def format_table(rows: Sequence[Row]) -> str:
    header = ("scenario", "ours", "baseline", "ratio", "goal", "holds?")
    lines = [(row.scenario, _number(row.ours, row.unit),
              f"{_number(row.baseline, row.unit)} ({row.baseline_name})",
              f"{row.ratio:.3f}", "-" if row.goal is None else f"<= {row.goal:g}",
              {True: "yes", False: "NO", None: "-"}[row.holds])
             for row in rows]
    widths = [max(len(str(cells[i])) for cells in [header, *lines]) for i in range(len(header))]
    out = [" | ".join(cell.ljust(width) for cell, width in zip(header, widths, strict=True)),
           "-+-".join("-" * width for width in widths)]
    out += [" | ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True))
            for cells in lines]
    notes = [f"  [{row.scenario}] {row.note}" for row in rows if row.note]
    return "\n".join(out + (["", "notes:", *notes] if notes else []))
