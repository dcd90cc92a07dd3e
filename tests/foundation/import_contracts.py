"""`acyclic_modules`, an import-linter contract: no module imports itself through others.

import-linter's own `acyclic_siblings` looks at the children of a package with their
descendants squashed, so a package whose modules sit at different layers of their parent
(`compiler.testfile`: its tree below the parser, its checks above the compiler's) reads as
one node in a cycle. This contract looks at the modules themselves, every import counted
(at the top, inside a function, under `TYPE_CHECKING`): each strongly connected set of
modules is a circle, reported with the imports that tie it. `lint-imports` loads it from
the project's configuration (`contract_types`), run from the repository's root.
"""

from __future__ import annotations

from typing import Any

import grimp
from importlinter.application import output
from importlinter.domain import fields
from importlinter.domain.contract import Contract, ContractCheck


def circles(graph: grimp.ImportGraph, modules: set[str]) -> list[list[str]]:
    """The strongly connected sets of two modules or more among `modules` (Tarjan's
    algorithm, without recursion), each sorted, in sorted order."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    work: list[tuple[str, list[str]]] = []  # the modules being visited, and what is left

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        work.append((module, sorted(graph.find_modules_directly_imported_by(module) & modules)))

    for root in sorted(modules):
        if root in index:
            continue
        visit(root)
        while work:
            module, following = work[-1]
            if following:
                imported = following.pop()
                if imported not in index:
                    visit(imported)
                elif imported in on_stack:
                    low[module] = min(low[module], index[imported])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[module])
            if low[module] == index[module]:
                members = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    members.append(member)
                    if member == module:
                        break
                if len(members) > 1:
                    found.append(sorted(members))
    return sorted(found)


class AcyclicModulesContract(Contract):
    type_name = "acyclic_modules"

    packages = fields.ListField(subfield=fields.StringField())

    def check(self, graph: grimp.ImportGraph, verbose: bool) -> ContractCheck:
        packages: list[str] = self.packages  # type: ignore[assignment]
        modules = {module for module in graph.modules
                   if any(module == package or module.startswith(package + ".")
                          for package in packages)}
        found = circles(graph, modules)
        ties: list[list[tuple[str, str, list[str]]]] = []
        for circle in found:
            members = set(circle)
            ties.append([(importer, imported, [
                f"{detail['line_number']}: {detail['line_contents']}"
                for detail in graph.get_import_details(importer=importer, imported=imported)])
                for importer in circle
                for imported in sorted(graph.find_modules_directly_imported_by(importer)
                                       & members)])
        return ContractCheck(kept=not found, metadata={"circles": ties})

    def render_broken_contract(self, check: ContractCheck) -> None:
        circles_found: list[Any] = check.metadata["circles"]
        for number, ties in enumerate(circles_found, 1):
            names = sorted({importer for importer, _, _ in ties})
            output.print_error(f"Circle {number}: {', '.join(names)}")
            for importer, imported, lines in ties:
                output.indent_cursor()
                output.print(f"{importer} -> {imported} (l. {'; l. '.join(lines)})")
            output.new_line()
        output.print("Move what they share into a module below them, so that each one only "
                     "imports downward (docs/architecture.md, \"The layering rule\").")
