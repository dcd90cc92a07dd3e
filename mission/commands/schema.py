"""`mission schema`: the JSON Schema of compiled workflows, or where the installed copy is.

The schema ships in the wheel, so a pip user validates compiled workflows with
`check-jsonschema --schemafile "$(mission schema --path)" workflow.json`.
"""

from __future__ import annotations

import argparse
import sys

from mission.cli import EXIT_OK, UsageError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--path", action="store_true",
                        help="print the schema file's path instead of its content")


def run(args: argparse.Namespace) -> int:
    try:
        from schemas import WORKFLOW_SCHEMA
    except ImportError:  # an editable install made before the `schemas` package existed
        raise UsageError("the `schemas` package is not installed with mission; reinstall it "
                         "(`pip install -e .` in a checkout)") from None
    if args.path:
        print(WORKFLOW_SCHEMA)
        return EXIT_OK
    try:
        text = WORKFLOW_SCHEMA.read_text(encoding="utf-8")
    except OSError as problem:
        raise UsageError(f"{WORKFLOW_SCHEMA}: cannot read the schema ({problem.strerror}); "
                         "reinstall mission") from None
    sys.stdout.write(text)
    return EXIT_OK
