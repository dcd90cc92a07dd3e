"""`python -m bench [--quick] [--json] [--only 1,2,...]`: run the scenarios, print the table."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

from bench.harness import Row, format_table, machine
from bench.scenarios import SCENARIOS, Settings, snapshot_sources


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true",
                        help="fewer rounds and smaller inputs: a smoke run of every scenario")
    parser.add_argument("--json", action="store_true", help="print JSON instead of the table")
    parser.add_argument("--save", metavar="FILE", type=Path,
                        help="also write the JSON report to FILE")
    parser.add_argument("--only", metavar="N,N", default="",
                        help=f"run only these scenarios (of {', '.join(SCENARIOS)})")
    parser.add_argument("--work", metavar="DIR", type=Path,
                        help="keep generated inputs and caches here (default: a temporary dir)")
    args = parser.parse_args(argv)
    chosen = [name.strip() for name in args.only.split(",") if name.strip()] or list(SCENARIOS)
    unknown = [name for name in chosen if name not in SCENARIOS]
    if unknown:
        parser.error(f"unknown scenario {', '.join(unknown)}")
    with tempfile.TemporaryDirectory(prefix="mission-bench-") as scratch:
        work = args.work or Path(scratch)
        work.mkdir(parents=True, exist_ok=True)
        settings = (Settings(rounds=5, process_rounds=5, tree_size=1_000, batch_size=400,
                             echo_runs=2_000, work=work) if args.quick else
                    Settings(rounds=15, process_rounds=15, tree_size=10_000, batch_size=4_000,
                             echo_runs=10_000, work=work))
        snapshot_sources(work)
        before = machine()
        started = time.time()
        rows: list[Row] = []
        for name in chosen:
            print(f"scenario {name}...", file=sys.stderr, flush=True)
            rows += SCENARIOS[name](settings)
        after = machine()
    report = {"machine": {**before, "load_average_after": after["load_average"]},
              "quick": args.quick, "seconds": round(time.time() - started, 1),
              "rows": [row.to_json() for row in rows]}
    if args.save:
        args.save.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        info = report["machine"]
        print(f"machine: {info['cpu']}, {info['cores']} cores, Python {info['python']}, "
              f"load {info['load_average']} -> {info['load_average_after']}"
              f"{' (quick run)' if args.quick else ''}\n")
        print(format_table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
