"""`mission graph TARGET [--format mermaid|dot|svg]`: draw a mission.

TARGET is a `.mission` file, a compiled `.json` workflow or a registered
mission name. SVG needs Graphviz's `dot` program; without it the command
says so and exits 2.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from mission.cli import EXIT_OK, UsageError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("target", metavar="TARGET",
                        help="a .mission file, a compiled .json workflow, or a registered name")
    parser.add_argument("--format", choices=("mermaid", "dot", "svg"), default="mermaid",
                        help="Mermaid flowchart text (default), Graphviz DOT, or SVG "
                             "(needs Graphviz's `dot`)")
    parser.add_argument("--no-state", action="store_true",
                        help="leave out the state keys and the read/write edges")
    parser.add_argument("-o", "--output", metavar="OUT", help="write here (default: stdout)")


def run(args: argparse.Namespace) -> int:
    from mission.graph import GraphvizMissing, build_graph, to_dot, to_mermaid, to_svg
    from mission.targets import load_target

    workflow = load_target(args.target).workflow
    show_state = not args.no_state
    graph = build_graph(workflow)
    text = to_mermaid(graph, show_state) if args.format == "mermaid" else to_dot(graph, show_state)
    if args.format == "svg":
        try:
            text = to_svg(text)
        except GraphvizMissing:
            raise UsageError(
                "--format svg needs Graphviz, and its `dot` program was not found on PATH; "
                "install Graphviz (apt-get install graphviz, brew install graphviz, ...) or "
                "use --format dot or --format mermaid") from None
        except RuntimeError as problem:
            raise UsageError(f"Graphviz could not draw the graph: {problem}") from None
    if args.output:
        try:
            Path(args.output).write_text(text, encoding="utf-8")
        except OSError as problem:
            raise UsageError(f"{args.output}: cannot write it ({problem.strerror})") from None
    else:
        sys.stdout.write(text)
    return EXIT_OK
