"""The rule registry: every diagnostic code, its slug, default severity and documentation.

One module per rule (`e006_unknown_operation.py`, `w201_unused_param.py`, ...).
Each defines `RULE`; its module docstring is the rule's documentation, shown
by `mission explain CODE`: a one-line summary, then `## What it does`,
`## Why`, `## Example` (a mission that breaks the rule) and `Use instead:`
(one that does not), under the project configuration of its first ```toml
block if it has one. Tests compile both examples and check the code fires on
the first and not on the second.

Errors (`E0xx`) are found by the parser and the checker (`compiler.checks`)
in one source-order pass and block compilation. Lint rules carry their own
`check` function, run by `compiler.lint` over the checked tree: `W0xx` about
suppressions, `W1xx` style, `W2xx` likely mistakes, `N3xx` notes.

Modules are imported on demand: compiling a file imports only the lint rules.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from compiler.diagnostics import Severity
from compiler.rule_codes import ERROR_MODULES as ERROR_MODULES  # the codes and their modules
from compiler.rule_codes import LINT_MODULES as LINT_MODULES
from compiler.rule_codes import MODULES as MODULES
from compiler.rule_codes import SUPPRESSION_MODULES as SUPPRESSION_MODULES
from compiler.rule_codes import all_codes as all_codes
from compiler.rule_codes import code_order, module_named
from runtime.frozen import Frozen, set_field

if TYPE_CHECKING:
    from compiler.diagnostics import Diagnostic
    from compiler.lint import LintContext

CODE_PATTERN = re.compile(r"[EWN][0-9]{3}")
SECTIONS = ("## What it does", "## Why", "## Example", "Use instead:")


class Rule(Frozen):
    """One diagnostic code and what users need to know about it."""

    __slots__ = (
        "check",
        "code",
        "configuration",
        "default",
        "doc",
        "fixable",
        "severity",
        "slug",
        "whole_mission",
    )
    code: str
    slug: str
    severity: Severity
    doc: str  # the module docstring: summary line, then the sections in SECTIONS
    check: Callable[[LintContext], Iterable[Diagnostic]] | None
    fixable: bool
    default: bool  # in force unless the configuration says otherwise
    whole_mission: bool  # needs the whole tree: skipped after a syntax error
    # About the project's configuration (its schedules), not a mission: its examples are
    # `mission.toml` texts, checked by `mission check` (`mission.schedule_check`).
    configuration: bool

    def __init__(
        self,
        code: str,
        slug: str,
        severity: Severity,
        doc: str,
        check: Callable[[LintContext], Iterable[Diagnostic]] | None = None,
        fixable: bool = False,
        default: bool = True,
        whole_mission: bool = False,
        configuration: bool = False,
    ) -> None:
        set_field(self, "code", code)
        set_field(self, "slug", slug)
        set_field(self, "severity", severity)
        set_field(self, "doc", doc)
        set_field(self, "check", check)
        set_field(self, "fixable", fixable)
        set_field(self, "default", default)
        set_field(self, "whole_mission", whole_mission)
        set_field(self, "configuration", configuration)

    @property
    def summary(self) -> str:
        return self.doc.strip().splitlines()[0].rstrip(".")

    @property
    def blocks_compilation(self) -> bool:
        return self.code.startswith("E")

    def section(self, title: str) -> str:
        """The text of one section of the documentation ("" when it is missing)."""
        text = self.doc
        start = text.find(title)
        if start == -1:
            return ""
        start += len(title)
        ends = [text.find(other, start) for other in SECTIONS if text.find(other, start) != -1]
        return text[start : min(ends) if ends else len(text)].strip()

    def examples(self) -> tuple[str, str]:
        """The mission text of the bad example and of the good one (for a rule about the
        configuration, the `mission.toml` texts)."""
        language = "toml" if self.configuration else "mission"
        blocks = re.findall(rf"```{language}\n(.*?)```", self.doc, re.DOTALL)
        if len(blocks) < 2:
            return "", ""
        return blocks[0], blocks[1]

    def project_config(self) -> str:
        """The project configuration (TOML) both examples are checked under, for a rule
        about the project's own operations ("" for most rules)."""
        if self.configuration:
            return ""
        blocks = re.findall(r"```toml\n(.*?)```", self.doc, re.DOTALL)
        return blocks[0] if blocks else ""


_LOADED: dict[str, Rule] = {}


def _load(modules: Iterable[str]) -> list[Rule]:
    found = []
    for name in modules:
        rule = _LOADED.get(name)
        if rule is None:
            module = importlib.import_module(f"compiler.rules.{name}")
            rule = module.RULE
            assert isinstance(rule, Rule)
            _LOADED[name] = rule
        found.append(rule)
    return found


def lint_rules() -> list[Rule]:
    """The rules with a check of their own, in code order."""
    return _load(LINT_MODULES)


def all_rules() -> list[Rule]:
    """Every rule: errors, then warnings, then notes, each in code order."""
    return sorted(_load(MODULES), key=lambda rule: code_order(rule.code))


def find_rule(code_or_slug: str) -> Rule | None:
    """The rule with this code (any case) or slug, or None."""
    name = module_named(code_or_slug)
    return _load((name,))[0] if name is not None else None
