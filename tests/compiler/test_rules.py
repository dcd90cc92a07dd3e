"""The rule registry: every code documented, its examples true, its module named after it."""

from __future__ import annotations

import importlib
import tomllib
from pathlib import Path

import pytest

from compiler import compile_source
from compiler.config import _OFF_BY_DEFAULT, Config, parse_config
from compiler.diagnostics import Severity
from compiler.rules import MODULES, SECTIONS, all_codes, all_rules, find_rule, lint_rules

RULES = all_rules()
RULES_DIRECTORY = Path(importlib.import_module("compiler.rules").__file__ or "").parent


def test_every_rule_module_is_registered_and_every_registered_module_exists() -> None:
    on_disk = sorted(path.stem for path in RULES_DIRECTORY.glob("[ewn][0-9][0-9][0-9]_*.py"))
    assert on_disk == sorted(MODULES)


@pytest.mark.parametrize("rule", RULES, ids=[rule.code for rule in RULES])
def test_rule_identity(rule) -> None:  # type: ignore[no-untyped-def]
    module = next(name for name in MODULES if name.startswith(rule.code.lower()))
    assert module == f"{rule.code.lower()}_{rule.slug.replace('-', '_')}"
    expected = {"E": Severity.ERROR, "W": Severity.WARNING, "N": Severity.NOTE}[rule.code[0]]
    assert rule.severity is expected
    assert (rule.check is None) == (rule.code.startswith("E") or rule.code in ("W001", "W002"))
    assert find_rule(rule.code) is rule and find_rule(rule.slug) is rule
    assert find_rule(rule.code.lower()) is rule


@pytest.mark.parametrize("rule", RULES, ids=[rule.code for rule in RULES])
def test_rule_documentation_has_every_section(rule) -> None:  # type: ignore[no-untyped-def]
    assert rule.summary and not rule.summary.endswith(".")
    for title in SECTIONS:
        assert title in rule.doc, f"{rule.code} lacks {title!r}"
    for title in ("## What it does", "## Why"):
        assert len(rule.section(title)) > 40, f"{rule.code}: {title} is too short"


@pytest.mark.parametrize("rule", RULES, ids=[rule.code for rule in RULES])
def test_rule_examples_are_true(rule, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    bad, good = rule.examples()
    assert bad and good
    if bad.startswith("tests "):  # a test file's rule: its mission is the third example
        examples_of_test_files_are_true(rule, tmp_path)
        return
    if rule.configuration:  # two mission.toml texts, checked as `mission check` checks them
        from mission.schedule_check import check_text

        assert rule.code in [d.code for d in check_text(bad, str(tmp_path))]
        assert check_text(good, str(tmp_path)) == []
        return
    config = Config(extend_select=(rule.code,))
    if rule.project_config():
        declared = parse_config(tomllib.loads(rule.project_config()), "mission.toml", "",
                                "mission.toml")
        config = config.replace(operations=declared.operations,
                         broken_operations=declared.broken_operations)
    bad_codes = [d.code for d in compile_source(bad, "bad.mission", config=config).diagnostics]
    assert rule.code in bad_codes
    good_result = compile_source(good, "good.mission", config=config)
    complaints = [(d.code, d.message) for d in good_result.diagnostics
                  if d.code == rule.code or d.severity is not Severity.NOTE]
    assert complaints == []
    assert good_result.workflow is not None


def examples_of_test_files_are_true(rule, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A test file's example is checked beside the mission it tests (the doc's third
    example, written as `release.mission`)."""
    import re

    bad, good = rule.examples()
    tested = re.findall(r"```mission\n(.*?)```", rule.doc, re.DOTALL)[2]
    (tmp_path / "release.mission").write_text(tested, encoding="utf-8")
    config = Config(extend_select=(rule.code,))
    bad_result = compile_source(bad, str(tmp_path / "bad_test.mission"), config=config)
    assert rule.code in [d.code for d in bad_result.diagnostics]
    good_result = compile_source(good, str(tmp_path / "good_test.mission"), config=config)
    assert [(d.code, d.message) for d in good_result.diagnostics] == []
    assert good_result.tests is not None


def test_codes_are_unique_and_ordered() -> None:
    codes = [rule.code for rule in RULES]
    assert codes == list(all_codes())
    assert len(set(codes)) == len(codes)
    assert len({rule.slug for rule in RULES}) == len(RULES)


def test_the_off_by_default_list_matches_the_rules() -> None:
    assert frozenset(rule.code for rule in RULES if not rule.default) == _OFF_BY_DEFAULT


def test_lint_rules_are_the_rules_with_a_check() -> None:
    assert {rule.code for rule in lint_rules()} == {rule.code for rule in RULES if rule.check}


def test_every_error_code_the_compiler_emits_is_registered() -> None:
    sources = [*(RULES_DIRECTORY.parent.glob("*.py"))]
    import re

    emitted = set()
    for path in sources:
        emitted |= set(re.findall(r'"([EWN][0-9]{3})"', path.read_text(encoding="utf-8")))
    assert emitted <= set(all_codes())
