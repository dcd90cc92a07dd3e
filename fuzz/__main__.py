"""The long fuzz run: `python -m fuzz KIND --inputs N [--seed S] [--out DIR]`.

Input number i of a run is drawn from `random.Random(f"{seed}:{i}")`, so any
one of them is replayed with `--start i --inputs 1`. A finding (an exception
or an internal error, see `fuzz.harness`; the first three of each kind) and any input slower than
`--slow` seconds is written to `OUT/KIND/` with its traceback; the run goes
on. Every `--every` inputs, and at the end, one JSON line of counts goes to
stdout: `{"kind", "seed", "done", "findings", "slow", "by_kind", "seconds"}`. Exit 1
when there were findings. See docs/security.md#fuzzing for the campaign.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
import tempfile
import time
import traceback
from pathlib import Path

from fuzz.harness import Finding, Input
from fuzz.kinds import KINDS, Kind


def signature(problem: BaseException) -> str:
    """What kind of failure this is, for keeping a few inputs of each: the command and the
    exception it ended in, or the exception and where it was raised."""
    text = str(problem)
    if isinstance(problem, Finding) and "internal error: " in text:
        command = text.split()[1]
        return f"{command}: " + text.split("internal error: ", 1)[1].split(":", 1)[0]
    frame = traceback.extract_tb(problem.__traceback__)[-1]
    return f"{type(problem).__name__} at {Path(frame.filename).name}:{frame.lineno}"


def save(out: Path, kind: Kind, drawn: Input, number: int, what: str) -> None:
    raw = drawn if isinstance(drawn, bytes) else drawn.encode("utf-8", errors="surrogatepass")
    name = f"{number:08d}-{hashlib.sha256(raw).hexdigest()[:12]}"
    out.mkdir(parents=True, exist_ok=True)
    (out / (name + kind.suffix)).write_bytes(raw)
    (out / (name + ".txt")).write_text(what, encoding="utf-8")


KEEP = 3  # inputs kept for each kind of finding


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m fuzz", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("kind", choices=KINDS)
    parser.add_argument("--inputs", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--start", type=int, default=0, help="the first input number")
    parser.add_argument("--out", type=Path, default=Path("fuzz-findings"))
    parser.add_argument("--slow", type=float, default=10.0,
                        help="seconds after which one input is reported as slow")
    parser.add_argument("--every", type=int, default=10_000)
    args = parser.parse_args(argv)
    findings = slow = 0
    kinds_of_finding: dict[str, int] = {}
    began = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="mission-fuzz-") as root:
        kind = Kind(args.kind, Path(root))
        out = args.out / args.kind

        def progress(done: int) -> None:
            print(json.dumps({"kind": args.kind, "seed": args.seed, "done": done,
                              "findings": findings, "slow": slow,
                              "by_kind": dict(sorted(kinds_of_finding.items())),
                              "seconds": round(time.monotonic() - began)}), flush=True)

        for number in range(args.start, args.start + args.inputs):
            drawn = kind.draw(random.Random(f"{args.seed}:{number}"))
            started = time.monotonic()
            try:
                kind.check(drawn)
            except Exception as problem:
                findings += 1
                what = signature(problem)
                kinds_of_finding[what] = kinds_of_finding.get(what, 0) + 1
                if kinds_of_finding[what] <= KEEP:
                    save(out, kind, drawn, number, traceback.format_exc())
            took = time.monotonic() - started
            if took > args.slow:
                slow += 1
                save(out, kind, drawn, number, f"slow: {took:.1f} s\n")
            if (number - args.start + 1) % args.every == 0:
                progress(number - args.start + 1)
        progress(args.inputs)
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
