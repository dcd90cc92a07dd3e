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
from dataclasses import dataclass
from typing import TYPE_CHECKING

from compiler.diagnostics import Severity

if TYPE_CHECKING:
    from compiler.diagnostics import Diagnostic
    from compiler.lint import LintContext

ERROR_MODULES = (
    "e001_syntax_error", "e002_reserved_keyword", "e003_too_many_steps",
    "e004_too_many_human_steps", "e005_unknown_step_kind", "e006_unknown_operation",
    "e007_duplicate_step_id", "e008_undeclared_param", "e009_unprovided_state",
    "e010_unknown_argument", "e011_argument_type", "e012_missing_argument",
    "e013_operation_of_other_kind", "e014_duplicate_declaration", "e015_unknown_type",
    "e016_bad_default", "e017_bad_write", "e018_bad_arguments", "e019_language_version",
    "e020_empty_human_step", "e021_bad_range", "e022_non_boolean_when", "e023_limit_exceeded",
    "e024_group_on_runtime_step", "e025_operand_type", "e026_bad_conditional",
    "e027_item_outside_list_operation", "e028_unknown_field", "e029_format_placeholder",
    "e030_bad_operation_declaration",
    "e040_invalid_form_field", "e041_empty_form", "e042_duplicate_form_field",
    "e043_unknown_answer_field",
)
SUPPRESSION_MODULES = ("w001_unused_suppression", "w002_invalid_suppression")
LINT_MODULES = (
    "w101_missing_step_description", "w102_missing_mission_description", "w103_naming_style",
    "w104_redundant_boolean_comparison",
    "w201_unused_param", "w202_unused_input", "w203_unreachable_step",
    "w204_constant_condition", "w205_conditionally_written_state", "w206_unused_answer",
    "w207_empty_prompt", "w208_mismatched_comparison", "w209_untyped_condition",
    "w210_overwritten_before_read", "w211_choice_options", "w212_empty_number_range",
    "w213_duplicate_map_key", "w214_fail_without_reason", "w215_self_assignment",
    "n301_write_never_read", "n302_no_room_left",
)
MODULES = (*ERROR_MODULES, *SUPPRESSION_MODULES, *LINT_MODULES)
CODE_PATTERN = re.compile(r"[EWN][0-9]{3}")
SECTIONS = ("## What it does", "## Why", "## Example", "Use instead:")


@dataclass(frozen=True, slots=True)
class Rule:
    """One diagnostic code and what users need to know about it."""

    code: str
    slug: str
    severity: Severity
    doc: str  # the module docstring: summary line, then the sections in SECTIONS
    check: Callable[[LintContext], Iterable[Diagnostic]] | None = None
    fixable: bool = False
    default: bool = True  # in force unless the configuration says otherwise
    whole_mission: bool = False  # needs the whole tree: skipped after a syntax error

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
        """The mission text of the bad example and of the good one."""
        blocks = re.findall(r"```mission\n(.*?)```", self.doc, re.DOTALL)
        if len(blocks) < 2:
            return "", ""
        return blocks[0], blocks[1]

    def project_config(self) -> str:
        """The project configuration (TOML) both examples are checked under, for a rule
        about the project's own operations ("" for most rules)."""
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


def _order(code: str) -> tuple[int, str]:
    return "EWN".index(code[0]), code


def all_rules() -> list[Rule]:
    """Every rule: errors, then warnings, then notes, each in code order."""
    return sorted(_load(MODULES), key=lambda rule: _order(rule.code))


def all_codes() -> tuple[str, ...]:
    """Every code in the order of `all_rules`, from the module names alone (nothing imported)."""
    return tuple(sorted((name[:4].upper() for name in MODULES), key=_order))


_BY_NAME = {**{name[:4].upper(): name for name in MODULES},
            **{name[5:].replace("_", "-"): name for name in MODULES}}


def find_rule(code_or_slug: str) -> Rule | None:
    """The rule with this code (any case) or slug, or None."""
    wanted = code_or_slug.strip()
    name = _BY_NAME.get(wanted.upper()) or _BY_NAME.get(wanted)
    return _load((name,))[0] if name is not None else None
