"""Inline suppression: `# mission: ignore[CODE, ...]` in a comment.

Where the comment stands decides what it covers:

- on the line of a step's kind (its header line): every diagnostic inside the step;
- on the line of `mission NAME`: every diagnostic in the file;
- on any other line: diagnostics that start on that line.

Only warnings and notes can be suppressed; errors block compilation. A code
that suppresses nothing is itself reported (W001, with a fix that removes it),
and a malformed directive, an unknown code or an error code is W002.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence

from compiler import ast
from compiler.ast import Span
from compiler.diagnostics import Diagnostic, Edit, Fix, Severity
from compiler.source import SourceFile
from compiler.suggest import did_you_mean
from runtime.frozen import Frozen, set_field

_DIRECTIVE = re.compile(r"mission:\s*ignore\b(?:\[(?P<codes>[^\]]*)\])?")
_CODE = re.compile(r"[^,\s]+")


def _known_names() -> list[str]:
    """Every code and slug, for "did you mean"."""
    from compiler.rules import all_rules

    return [name for rule in all_rules() for name in (rule.code, rule.slug)]


class Suppression(Frozen):
    """One code of one directive and the region it covers."""

    __slots__ = ("code", "codes", "comment", "covers", "directive", "whole_line", "written")
    code: str
    covers: Span  # diagnostics whose primary span starts in here
    whole_line: bool  # covers means "starts on this line" (else: lies inside)
    comment: ast.Comment
    directive: Span  # the `mission: ignore[...]` text
    codes: tuple[str, ...]  # every code of the directive, in order
    written: Span  # this code as written in the directive

    def __init__(
        self,
        code: str,
        covers: Span,
        whole_line: bool,
        comment: ast.Comment,
        directive: Span,
        codes: tuple[str, ...],
        written: Span,
    ) -> None:
        set_field(self, "code", code)
        set_field(self, "covers", covers)
        set_field(self, "whole_line", whole_line)
        set_field(self, "comment", comment)
        set_field(self, "directive", directive)
        set_field(self, "codes", codes)
        set_field(self, "written", written)


def _resolve(code: str) -> str | None:
    from compiler.rules import find_rule

    rule = find_rule(code)
    return rule.code if rule is not None else None


def parse_suppressions(source: SourceFile, mission: ast.Mission | None,
                       comments: Sequence[ast.Comment]) -> tuple[list[Suppression],
                                                                 list[Diagnostic]]:
    """The suppressions written in `comments`, and W002 for the ones that are wrong."""
    suppressions: list[Suppression] = []
    problems: list[Diagnostic] = []
    headers: dict[int, Span] = {}
    if mission is not None:
        headers[source.location(mission.span.start)[0]] = Span(0, len(source.text))
        for step in mission.steps:
            headers.setdefault(source.location(step.kind.span.start)[0], step.span)
    for comment in comments:
        match = _DIRECTIVE.search(comment.text)
        if match is None:
            continue
        start = comment.span.start + match.start()
        directive = Span(start, comment.span.start + match.end())
        if match.group("codes") is None:
            problems.append(Diagnostic(
                "W002", Severity.WARNING, "this suppression names no code", directive,
                label="which codes?", help=("write the codes to ignore: "
                                            "`# mission: ignore[W201]`",)))
            continue
        codes_start = comment.span.start + match.start("codes")
        found = [(item.group(), Span(codes_start + item.start(), codes_start + item.end()))
                 for item in _CODE.finditer(match.group("codes"))]
        written = tuple(code for code, _ in found)
        if not written:
            problems.append(Diagnostic(
                "W002", Severity.WARNING, "this suppression names no code", directive,
                label="empty list", help=("write the codes to ignore: "
                                          "`# mission: ignore[W201]`",)))
            continue
        line = source.location(comment.span.start)[0]
        covers = headers.get(line)
        region = covers if covers is not None else Span(
            source.line_start(line), source.line_start(line) + len(source.line_text(line)))
        for code, where in found:
            resolved = _resolve(code)
            if resolved is None:
                problems.append(Diagnostic(
                    "W002", Severity.WARNING, f"`{code}` is not a diagnostic code", where,
                    label="unknown code",
                    help=(*did_you_mean(code, _known_names()), "`mission rules` lists every code")))
                continue
            if resolved.startswith("E"):
                problems.append(Diagnostic(
                    "W002", Severity.WARNING, f"{resolved} is an error and cannot be suppressed",
                    where, label="errors block compilation",
                    help=(f"fix the problem instead: `mission explain {resolved}`",)))
                continue
            suppressions.append(Suppression(resolved, region, covers is None, comment, directive,
                                            written, where))
    return suppressions, problems


def _covered(suppression: Suppression, diagnostic: Diagnostic) -> bool:
    span = diagnostic.span
    region = suppression.covers
    if suppression.whole_line:
        return region.start <= span.start <= region.end
    return region.start <= span.start and span.end <= region.end


def apply_suppressions(source: SourceFile, mission: ast.Mission | None,
                       comments: Sequence[ast.Comment], diagnostics: Sequence[Diagnostic],
                       enabled: Collection[str], *, report_unused: bool) -> list[Diagnostic]:
    """Drop suppressed warnings and notes; add W001/W002 (when enabled) for the directives."""
    if not any("mission:" in comment.text for comment in comments):
        return list(diagnostics)
    suppressions, problems = parse_suppressions(source, mission, comments)
    if not suppressions and not problems:
        return list(diagnostics)
    used: set[int] = set()
    kept: list[Diagnostic] = []
    for diagnostic in diagnostics:
        hits = [] if diagnostic.severity is Severity.ERROR else [
            index for index, suppression in enumerate(suppressions)
            if suppression.code == diagnostic.code and _covered(suppression, diagnostic)]
        if hits:
            used.update(hits)  # every directive that covers it counts as used
        else:
            kept.append(diagnostic)
    if "W002" in enabled:
        kept.extend(problems)
    if report_unused and "W001" in enabled:
        for index, suppression in enumerate(suppressions):
            if index in used or suppression.code not in enabled:
                continue
            code = source.text[suppression.written.start:suppression.written.end]
            covers = "nothing on this line" if suppression.whole_line else \
                "nothing in this step" if suppression.covers.start > 0 else "nothing in this file"
            kept.append(Diagnostic(
                "W001", Severity.WARNING, f"unused suppression: {covers} reports `{code}`",
                suppression.written, label="unused suppression",
                help=("remove it",), fix=_removal(source, suppression)))
    return kept


def _removal(source: SourceFile, suppression: Suppression) -> Fix:
    """Remove the unused code from its directive, or the directive (comment) if it was alone."""
    remaining = [code for code in suppression.codes if _resolve(code) != suppression.code]
    if remaining:
        text = f"mission: ignore[{', '.join(remaining)}]"
        return Fix(f"remove `{suppression.code}` from the suppression",
                   (Edit(suppression.directive, text),))
    comment = suppression.comment
    body = comment.text[1:].strip()
    directive_text = source.text[suppression.directive.start:suppression.directive.end]
    if body == directive_text:
        start = comment.span.start
        while start > 0 and source.text[start - 1] in " \t":
            start -= 1
        return Fix("remove the suppression comment", (Edit(Span(start, comment.span.end), ""),))
    return Fix("remove the suppression", (Edit(suppression.directive, ""),))
