"""`mission list`: the registered missions, with their workflow ids and descriptions."""

from __future__ import annotations

import argparse

from mission.cli import EXIT_OK


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")


def run(args: argparse.Namespace) -> int:
    import json

    from runtime.orchestration.registry import MISSION_REGISTRY

    rows = []
    for name in sorted(MISSION_REGISTRY):
        workflow = MISSION_REGISTRY[name](None)
        rows.append({"name": name, "id": workflow.id,
                     "description": str(workflow.metadata.get("description", "")),
                     "steps": [step.id for step in workflow.steps]})
    if args.json:
        print(json.dumps(rows, indent=2, sort_keys=True))
        return EXIT_OK
    width = max(len(row["name"]) for row in rows)
    id_width = max(len(row["id"]) for row in rows)
    for row in rows:
        print(f"{row['name']:<{width}}  {row['id']:<{id_width}}  {row['description']}")
    return EXIT_OK
