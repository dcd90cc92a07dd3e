"""Every diagnostic code and slug, from the rule modules' names alone: what a configuration's
code selectors need, without the rules (`compiler.rules`), their documentation or the
diagnostics, which a warm `mission check` never imports (docs/performance.md)."""

from __future__ import annotations

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
    "e030_bad_operation_declaration", "e031_maybe_null",
    "e040_invalid_form_field", "e041_empty_form", "e042_duplicate_form_field",
    "e043_unknown_answer_field", "e044_invalid_duration", "e045_deadline_on_runtime_step",
    "e046_invalid_approvals", "e047_unreachable_deadline", "e048_too_many_deadlines",
    "e049_escalation_to_same_group", "e050_reminder_outside_wait",
    "e051_invalid_default_answer", "e052_empty_deadline_reason",
    # test files (`compiler.testfile`)
    "e060_tested_mission", "e061_unknown_test_step", "e062_invalid_test_answer",
    "e063_refused_test_input", "e064_result_without_call", "e065_unwritten_state",
    "e066_invalid_test_value", "e067_invalid_expectation", "e068_duplicate_test",
    # the configuration's schedules (`mission.schedule_check`)
    "e070_unknown_scheduled_mission", "e071_schedule_params", "e072_invalid_cron",
    "e073_unknown_time_zone",
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
    "w216_human_step_without_deadline",
    "n301_write_never_read", "n302_no_room_left",
)
MODULES = (*ERROR_MODULES, *SUPPRESSION_MODULES, *LINT_MODULES)


# A module is named after its rule: the code, then the slug with `_` for `-`.
_BY_NAME = {**{name[:4].upper(): name for name in MODULES},
            **{name[5:].replace("_", "-"): name for name in MODULES}}


def code_order(code: str) -> tuple[int, str]:
    """Errors, then warnings, then notes, each in code order."""
    return "EWN".index(code[0]), code


def all_codes() -> tuple[str, ...]:
    """Every code in the order of `compiler.rules.all_rules`."""
    return tuple(sorted((name[:4].upper() for name in MODULES), key=code_order))


def module_named(code_or_slug: str) -> str | None:
    """The module of the rule with this code (any case) or slug, or None."""
    wanted = code_or_slug.strip()
    return _BY_NAME.get(wanted.upper()) or _BY_NAME.get(wanted)


def code_named(code_or_slug: str) -> str | None:
    """The code of the rule with this code (any case) or slug, or None."""
    name = module_named(code_or_slug)
    return name[:4].upper() if name is not None else None
