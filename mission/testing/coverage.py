"""Which steps and branches of a mission its tests ran, mapped to the `.mission` file's lines.

The units of a mission, each at a line of its file:

- each **step** (run: it succeeded, failed or waited for an answer);
- each `when` condition, **true** and **false**;
- each conditional value (`if ... then ... else`), its **then** and its **else**;
- each answer a `confirm` can get (**yes**, **no**), each option of a `choose` whose options
  are written in the mission (by the value it stores), and the same for a form's `confirm`
  and `choose` fields (a `choose` over options computed at run time has no fixed list to
  cover);
- for a human step with deadlines: **answered in time** (a person decided it), and **each
  `after` line** firing.

A case covers what its runs went through (`mission.testing.timeline`); a unit's count is the
number of cases that covered it. Reports: text (`--coverage`), Cobertura XML
(`--coverage-xml`, read by GitLab, Jenkins, Azure DevOps and Codecov) and LCOV
(`--coverage-lcov`, read by Codecov, Coveralls and genhtml), and `--fail-under PERCENT`
over steps and branches together, as coverage.py's branch coverage counts.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from compiler import ast
from mission.testing.observe import canonical_text
from mission.testing.results import Unit

if TYPE_CHECKING:
    from compiler import CompileResult
    from compiler.analysis import Analysis
    from mission.testing.results import FileResult, Hits


def units(result: CompileResult) -> tuple[Unit, ...]:
    """Every unit of a compiled mission, in source order."""
    mission, analysis = result.mission, result.analysis
    if mission is None or analysis is None:
        return ()
    source = result.source

    def line(span: ast.Span) -> int:
        return source.location(span.start)[0]

    found: list[Unit] = []
    for step in mission.steps:
        step_id = step.id.text
        found.append(Unit(("step", step_id), line(step.kind.span), f"step `{step_id}`",
                          step_id, branch=False))
        if step.when is not None:
            for taken in (True, False):
                found.append(Unit(("when", step_id, taken), line(step.when.span),
                                  f"`when` {'true' if taken else 'false'}", step_id))
        for conditional in _conditionals(step):
            from compiler.emit import expression_json

            key = canonical_text(expression_json(conditional))
            for taken in (True, False):
                found.append(Unit(("if", step_id, key, taken), line(conditional.span),
                                  f"`if` {'then' if taken else 'else'}", step_id))
        if step.kind.text == "human" and step.call is not None:
            found += _answers(step, analysis, line)
    return tuple(found)


def _conditionals(step: ast.Step) -> Iterator[ast.Conditional]:
    from compiler.analysis import subexpressions

    roots: list[ast.Expr] = [step.when] if step.when is not None else []
    if step.call is not None:
        roots += [argument.value for argument in step.call.arguments]
    for root in roots:
        for node in subexpressions(root):
            if isinstance(node, ast.Conditional):
                yield node


def _answers(step: ast.Step, analysis: Analysis, line: Any) -> list[Unit]:
    """The answers of a human step to cover, and its deadlines' outcomes."""
    from compiler.deadlines import question_arguments

    assert step.call is not None
    step_id = step.id.text
    operation = analysis.operations.get(step_id)
    at = line(step.call.span)
    found: list[Unit] = []
    if operation is not None and operation.name == "confirm":
        found += [Unit(("answer", step_id, "true"), at, "answered yes", step_id),
                  Unit(("answer", step_id, "false"), at, "answered no", step_id)]
    elif operation is not None and operation.name == "choose":
        arguments = question_arguments(step, analysis)
        found += [Unit(("answer", step_id, canonical_text(value)), at, f"option {label}",
                       step_id) for value, label in _options(arguments)]
    elif operation is not None and operation.name == "form":
        for form_field in analysis.form_fields.get(step_id, []):
            name = form_field.name.text
            where = line(form_field.name.span)
            if form_field.kind == "confirm":
                found += [Unit(("field", step_id, name, "true"), where, f"`{name}` yes",
                               step_id),
                          Unit(("field", step_id, name, "false"), where, f"`{name}` no",
                               step_id)]
            elif form_field.kind == "choose":
                options = form_field.arguments.get("options")
                from compiler.literals import literal_value

                constant, values = literal_value(options.value) if options else (False, None)
                if constant and isinstance(values, list):
                    found += [Unit(("field", step_id, name, canonical_text(value)), where,
                                   f"`{name}` {canonical_text(value)}", step_id)
                              for value in values]
    if step.deadlines:
        found.append(Unit(("in time", step_id), at, "answered before its deadlines", step_id))
        for stage, deadline in enumerate(step.deadlines):
            found.append(Unit(("deadline", step_id, stage), line(deadline.span),
                              f"deadline {stage + 1} fired", step_id))
    return found


def _options(arguments: Any) -> list[tuple[Any, str]]:
    """(the value stored, what the person sees) for each option written in the mission."""
    from compiler.deadlines import Unknown

    if arguments is None:
        return []
    try:
        options = arguments["options"]
        labels = arguments.get("label", options)
        values = arguments.get("value", options)
    except Unknown:  # options or labels known only at run time: nothing fixed to cover
        return []
    if not isinstance(options, list) or len(labels) != len(options) or \
            len(values) != len(options):
        return []
    return [(value, canonical_text(label)) for value, label in zip(values, labels, strict=True)]


# -- gathering ----------------------------------------------------------------------------


@dataclass
class MissionCoverage:
    """One mission's units and how many cases covered each."""

    path: str
    units: tuple[Unit, ...]
    counts: dict[tuple[Any, ...], int] = field(default_factory=dict)

    def add(self, hits: Hits) -> None:
        for unit in self.units:
            if unit.key[0] == "step":
                covered = unit.key[1] in hits.steps
            else:
                covered = unit.key in hits.branches
            if covered:
                self.counts[unit.key] = self.counts.get(unit.key, 0) + 1

    def count(self, unit: Unit) -> int:
        return self.counts.get(unit.key, 0)

    @property
    def steps(self) -> tuple[int, int]:
        steps = [unit for unit in self.units if not unit.branch]
        return sum(1 for unit in steps if self.count(unit)), len(steps)

    @property
    def branches(self) -> tuple[int, int]:
        branches = [unit for unit in self.units if unit.branch]
        return sum(1 for unit in branches if self.count(unit)), len(branches)

    @property
    def missed(self) -> list[Unit]:
        return [unit for unit in self.units if not self.count(unit)]


def gather(results: Sequence[FileResult]) -> list[MissionCoverage]:
    """Each tested mission's coverage, over every case of every test file that tests it,
    sorted by the mission's path."""
    missions: dict[str, MissionCoverage] = {}
    for result in results:
        if not result.mission or not result.units:
            continue
        coverage = missions.setdefault(result.mission, MissionCoverage(result.mission,
                                                                       result.units))
        for case in result.cases:
            if not case.replay:
                coverage.add(case.hits)
    return [missions[path] for path in sorted(missions)]


def percent(missions: Sequence[MissionCoverage]) -> float:
    """Steps and branches covered, together, as a percentage (100 with nothing to cover)."""
    covered = total = 0
    for mission in missions:
        for done, count in (mission.steps, mission.branches):
            covered, total = covered + done, total + count
    return 100.0 * covered / total if total else 100.0


def _ratio(done: int, total: int) -> str:
    return f"{done}/{total}"


# -- reports --------------------------------------------------------------------------------


def text_report(missions: Sequence[MissionCoverage]) -> str:
    """A table per mission (steps, branches, the percentage) and what no test ran."""
    if not missions:
        return "coverage: no mission was tested\n"
    width = max(len(mission.path) for mission in missions)
    width = max(width, len("TOTAL"))
    lines = [f"{'mission':<{width}}  steps    branches  cover", "-" * (width + 30)]
    for mission in missions:
        lines.append(f"{mission.path:<{width}}  {_ratio(*mission.steps):<7}  "
                     f"{_ratio(*mission.branches):<8}  {percent([mission]):5.1f}%")
        missed = mission.missed
        if missed:
            shown = ", ".join(f"{unit.line}: {unit.label}"
                              + ("" if not unit.branch else f" ({unit.step})")
                              for unit in missed)
            lines.append(f"  missed: {shown}")
    steps = [sum(mission.steps[i] for mission in missions) for i in (0, 1)]
    branches = [sum(mission.branches[i] for mission in missions) for i in (0, 1)]
    lines.append("-" * (width + 30))
    lines.append(f"{'TOTAL':<{width}}  {_ratio(*steps):<7}  {_ratio(*branches):<8}  "
                 f"{percent(missions):5.1f}%")
    return "\n".join(lines) + "\n"


def _lines(mission: MissionCoverage) -> list[tuple[int, int, list[Unit]]]:
    """Each line holding units: (line, hits, its branch units). A line's hits are its
    step's: how many cases ran the step it belongs to."""
    by_line: dict[int, list[Unit]] = {}
    for unit in mission.units:
        by_line.setdefault(unit.line, []).append(unit)
    step_hits = {unit.step: mission.count(unit) for unit in mission.units if not unit.branch}
    found = []
    for number in sorted(by_line):
        found_units = by_line[number]
        hits = max(step_hits.get(unit.step, 0) for unit in found_units)
        found.append((number, hits, [unit for unit in found_units if unit.branch]))
    return found


def cobertura(missions: Sequence[MissionCoverage], root: str = ".") -> str:
    """Cobertura XML (its 04 DTD), each mission a class of one package; its lines are the
    `.mission` file's."""
    from xml.sax.saxutils import quoteattr

    def rate(done: int, total: int) -> str:
        return f"{(done / total if total else 1.0):.4f}"

    all_lines = [entry for mission in missions for entry in _lines(mission)]
    lines_valid = len(all_lines)
    lines_covered = sum(1 for _, hits, _ in all_lines if hits)
    branches_done = sum(mission.branches[0] for mission in missions)
    branches_total = sum(mission.branches[1] for mission in missions)
    out = ['<?xml version="1.0" ?>',
           '<!DOCTYPE coverage SYSTEM "http://cobertura.sourceforge.net/xml/coverage-04.dtd">',
           f'<coverage version="mission-test 1" timestamp="0" '
           f'lines-valid="{lines_valid}" lines-covered="{lines_covered}" '
           f'line-rate="{rate(lines_covered, lines_valid)}" '
           f'branches-valid="{branches_total}" branches-covered="{branches_done}" '
           f'branch-rate="{rate(branches_done, branches_total)}" complexity="0">',
           "  <sources>", f"    <source>{_escape(root)}</source>", "  </sources>",
           "  <packages>",
           f'    <package name="missions" line-rate="{rate(lines_covered, lines_valid)}" '
           f'branch-rate="{rate(branches_done, branches_total)}" complexity="0">',
           "      <classes>"]
    for mission in missions:
        entries = _lines(mission)
        covered = sum(1 for _, hits, _ in entries if hits)
        done, total = mission.branches
        out.append(f"        <class name={quoteattr(mission.path)} "
                   f"filename={quoteattr(mission.path)} "
                   f'line-rate="{rate(covered, len(entries))}" '
                   f'branch-rate="{rate(done, total)}" complexity="0">')
        out += ["          <methods/>", "          <lines>"]
        for number, hits, branches in entries:
            if branches:
                taken = sum(1 for unit in branches if mission.count(unit))
                share = round(100 * taken / len(branches))
                out.append(f'            <line number="{number}" hits="{hits}" branch="true" '
                           f'condition-coverage="{share}% ({taken}/{len(branches)})"/>')
            else:
                out.append(f'            <line number="{number}" hits="{hits}" '
                           'branch="false"/>')
        out += ["          </lines>", "        </class>"]
    out += ["      </classes>", "    </package>", "  </packages>", "</coverage>"]
    return "\n".join(out) + "\n"


def _escape(text: str) -> str:
    from xml.sax.saxutils import escape

    return escape(text)


def lcov(missions: Sequence[MissionCoverage]) -> str:
    """LCOV tracefile: one record per mission, its lines (`DA`) and branches (`BRDA`)."""
    out: list[str] = []
    for mission in missions:
        out += ["TN:", f"SF:{mission.path}"]
        entries = _lines(mission)
        for block, (number, hits, branches) in enumerate(entries):
            for index, unit in enumerate(branches):
                taken = str(mission.count(unit)) if hits else "-"
                out.append(f"BRDA:{number},{block},{index},{taken}")
        done, total = mission.branches
        out += [f"BRF:{total}", f"BRH:{done}"]
        out += [f"DA:{number},{hits}" for number, hits, _ in entries]
        out += [f"LF:{len(entries)}", f"LH:{sum(1 for _, hits, _ in entries if hits)}",
                "end_of_record"]
    return "\n".join(out) + "\n" if out else ""
