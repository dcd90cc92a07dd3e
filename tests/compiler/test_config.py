"""Configuration: `[tool.mission]` / mission.toml, selectors, per-file ignores, severities."""

from __future__ import annotations

from pathlib import Path

import pytest

from compiler import compile_source
from compiler.config import DEFAULT, ConfigError, config_for, expand, find_config, load_config
from compiler.diagnostics import Severity

UNDESCRIBED = """mission plan {
    version 1

    param unused: int = 1

    runtime go {
        noop()
    }
}
"""


def codes(text: str, path: str, config: object) -> list[tuple[str, str]]:
    result = compile_source(text, path, config=config)  # type: ignore[arg-type]
    return [(d.code, d.severity.value) for d in result.diagnostics]


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_selectors() -> None:
    assert expand("W201") == {"W201"}
    assert expand("unused-param") == {"W201"}
    assert expand("W2") >= {"W201", "W215"} and not expand("W2") & {"W101", "E001"}
    assert "N301" in expand("ALL") and "E001" in expand("all")
    with pytest.raises(ConfigError, match="`W999` is not a code"):
        expand("W999")


def test_defaults_leave_out_the_rules_that_are_off() -> None:
    enabled = DEFAULT.enabled_for("x.mission")
    assert "N301" not in enabled and {"E001", "W101", "N302"} <= enabled


def test_pyproject_section_selects_ignores_and_changes_severities(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", """
[project]
name = "x"

[tool.mission]
ignore = ["W102"]
extend-select = ["N301"]

[tool.mission.per-file-ignores]
"legacy/*.mission" = ["missing-step-description"]

[tool.mission.severity]
W201 = "error"
""")
    config = config_for(tmp_path)
    assert config.origin.endswith("pyproject.toml")
    found = codes(UNDESCRIBED, str(tmp_path / "plan.mission"), config)
    assert ("W201", "error") in found and ("W101", "warning") in found
    assert "W102" not in {code for code, _ in found}
    legacy = codes(UNDESCRIBED, str(tmp_path / "legacy" / "plan.mission"), config)
    assert "W101" not in {code for code, _ in legacy}
    # A warning made an error blocks compilation like any error.
    result = compile_source(UNDESCRIBED, str(tmp_path / "plan.mission"), config=config)
    assert result.workflow is None and result.errors[0].code == "W201"


def test_mission_toml_wins_and_is_found_from_a_subdirectory(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[tool.mission]\nselect = ["E"]\n')
    write(tmp_path / "mission.toml", 'select = ["E", "W1"]\n')
    (tmp_path / "deep" / "er").mkdir(parents=True)
    assert find_config(tmp_path / "deep" / "er") == tmp_path / "mission.toml"
    config = load_config(tmp_path / "mission.toml")
    found = {code for code, _ in codes(UNDESCRIBED, "plan.mission", config)}
    assert found == {"W101", "W102"}


def test_a_pyproject_without_the_section_is_not_a_config(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[project]\nname = "x"\n')
    assert find_config(tmp_path) is None or find_config(tmp_path) != tmp_path / "pyproject.toml"


@pytest.mark.parametrize(("text", "words"), [
    ('selct = ["E"]\n', "unknown key `selct` (did you mean `select`?)"),
    ('ignore = ["E006"]\n', "`E006` names errors, which block compilation"),
    ('ignore = ["W99"]\n', "`W99` is not a code"),
    ('select = "W"\n', "`select` must be a list of strings"),
    ('[severity]\nW201 = "fatal"\n', '`severity.W201` must be "error", "warning" or "note"'),
    ('[severity]\nE006 = "warning"\n', "errors keep their severity"),
    ('[per-file-ignores]\n"*.mission" = ["E0"]\n', "names errors"),
    ("select = [\n", "not valid TOML"),
])
def test_configuration_errors_name_the_file_and_the_key(tmp_path: Path, text: str,
                                                       words: str) -> None:
    path = write(tmp_path / "mission.toml", text)
    with pytest.raises(ConfigError) as problem:
        load_config(path)
    assert words in str(problem.value) and str(path) in str(problem.value)


def test_errors_stay_on_whatever_is_selected(tmp_path: Path) -> None:
    config = load_config(write(tmp_path / "mission.toml", 'select = ["W101"]\n'))
    found = codes("mission m {\n}\n", "m.mission", config)
    assert ("E019", "error") in found
    assert config.severity_of("W101") is None
    severe = load_config(write(tmp_path / "mission.toml", '[severity]\nW1 = "note"\n'))
    assert severe.severity_of("W101") is Severity.NOTE


def test_exclude_patterns(tmp_path: Path) -> None:
    text = 'exclude = ["generated", "*.tmp.mission"]\n'
    config = load_config(write(tmp_path / "mission.toml", text))
    assert config.excluded(str(tmp_path / "generated" / "a.mission"))
    assert config.excluded(str(tmp_path / "src" / "b.tmp.mission"))
    assert not config.excluded(str(tmp_path / "src" / "b.mission"))


@pytest.mark.parametrize(("pattern", "path", "matched"), [
    ("legacy/*.mission", "legacy/x.mission", True),
    ("legacy/*.mission", "legacy/sub/x.mission", False),  # `*` stays within a directory
    ("legacy/**/*.mission", "legacy/sub/x.mission", True),
    ("legacy/**", "legacy/a/b/x.mission", True),
    ("legacy/", "legacy/a/x.mission", True),  # a directory covers what is under it
    ("/top.mission", "sub/top.mission", False),  # a leading `/` anchors
    ("top.mission", "sub/top.mission", True),  # no `/`: a name at any depth
    ("src/gen", "other/src/gen/x.mission", False),  # a `/` in the middle anchors too
])
def test_exclude_and_per_file_globs_read_like_gitignore(tmp_path: Path, pattern: str, path: str,
                                                        matched: bool) -> None:
    text = f'exclude = ["{pattern}"]\n[per-file-ignores]\n"{pattern}" = ["W201"]\n'
    config = load_config(write(tmp_path / "mission.toml", text))
    assert config.excluded(str(tmp_path / path)) is matched
    assert ("W201" not in config.enabled_for(str(tmp_path / path))) is matched


def test_the_repository_config_excludes_the_test_and_fuzz_fixtures() -> None:
    root = Path(__file__).resolve().parents[2]
    config = load_config(root / "pyproject.toml")
    assert config.excluded(str(root / "tests" / "golden" / "cases" / "E001.mission"))
    assert config.excluded(str(root / "fuzz" / "corpus" / "survey.mission"))
    assert not config.excluded(str(root / "examples" / "survey.mission"))
    missions = root / "runtime" / "orchestration" / "missions"
    assert not config.excluded(str(missions / "echo.mission"))


def test_the_severity_levels_a_config_accepts_are_those_of_the_diagnostics() -> None:
    from compiler.config import SEVERITY_LEVELS

    assert tuple(severity.value for severity in Severity) == SEVERITY_LEVELS


def test_the_codes_and_slugs_named_by_module_are_those_of_the_rules() -> None:
    from compiler.rule_codes import code_named
    from compiler.rules import all_rules

    for rule in all_rules():
        assert code_named(rule.code) == code_named(rule.code.lower()) == rule.code
        assert code_named(rule.slug) == rule.code, rule.slug
    assert code_named("no-such-rule") is None
