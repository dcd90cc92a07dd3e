"""`schemas/workflow.schema.json`: every compiled example validates, and the schema has teeth."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator  # type: ignore[import-untyped]

from compiler import compile_source
from runtime.orchestration.expressions import OPERATORS
from runtime.orchestration.model import SCHEMA_VERSION, SCHEMA_VERSIONS
from runtime.orchestration.operations import OPERATIONS
from runtime.orchestration.types import TYPE_NAMES
from runtime.orchestration.user_operations import DECLARATION_KEYS, KINDS
from tests.conftest import ROOT, run_cli

SCHEMA = json.loads((ROOT / "schemas" / "workflow.schema.json").read_text(encoding="utf-8"))
VALIDATOR = Draft202012Validator(SCHEMA)
# the missions (their test files, `*_test.mission`, are tested in tests/testkit/)
EXAMPLES = sorted(p for p in (ROOT / "examples").glob("*.mission")
                  if p.exists() and not p.name.endswith("_test.mission"))


def compiled(path: Path) -> dict[str, Any]:
    result = compile_source(path.read_text(encoding="utf-8"), str(path))
    assert result.workflow is not None, result.diagnostics
    return result.workflow.to_dict()


def errors(document: object) -> list[str]:
    return [error.message for error in VALIDATOR.iter_errors(document)]


def test_the_schema_is_a_valid_draft_2020_12_schema() -> None:
    Draft202012Validator.check_schema(SCHEMA)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda path: path.name)
def test_every_compiled_example_validates(path: Path) -> None:
    assert errors(compiled(path)) == []


def test_a_workflow_calling_project_operations_validates() -> None:
    from compiler.config import load_config

    path = ROOT / "examples" / "custom_ops" / "publish_note.mission"
    config = load_config(path.with_name("mission.toml"))
    result = compile_source(path.read_text(encoding="utf-8"), str(path), config=config)
    assert result.workflow is not None, result.diagnostics
    document = result.workflow.to_dict()
    assert sorted(document["metadata"]["operations"]) == ["slugify", "write_note"]
    assert list(VALIDATOR.iter_errors(document)) == []
    document["metadata"]["operations"]["slugify"]["kind"] = "impure"
    assert list(VALIDATOR.iter_errors(document)) != []


def test_mission_compile_output_names_the_schema_version(tmp_path: Path) -> None:
    out = tmp_path / "daily.json"
    result = run_cli("compile", "examples/daily_loop.mission", "-o", str(out))
    assert result.returncode == 0, result.stderr
    document = json.loads(out.read_text(encoding="utf-8"))
    assert errors(document) == []
    versions = SCHEMA["$defs"]["metadata"]["properties"]["schema_version"]["enum"]
    assert versions == list(SCHEMA_VERSIONS)
    assert document["metadata"]["schema_version"] == SCHEMA_VERSION  # no time rules in it
    assert SCHEMA["$id"].endswith(f":{max(versions)}")
    timed = tmp_path / "expense.json"
    assert run_cli("compile", "examples/expense_approval.mission", "-o", str(timed)
                   ).returncode == 0
    document = json.loads(timed.read_text(encoding="utf-8"))
    assert errors(document) == [] and document["metadata"]["schema_version"] == 2


def test_the_schema_agrees_with_the_code() -> None:
    definitions = SCHEMA["$defs"]
    assert definitions["declaration"]["properties"]["type"]["enum"] == list(TYPE_NAMES)
    declared = definitions["operation_declaration"]["properties"]
    assert declared["result"] == {"$ref": "#/$defs/operation_type"}
    pattern = re.compile(definitions["operation_type"]["pattern"])
    assert all(pattern.match(name) and pattern.match(name + "?") for name in TYPE_NAMES)
    assert not pattern.match("str??") and not pattern.match("text")
    assert declared["kind"]["enum"] == list(KINDS)
    assert sorted(definitions["operation_declaration"]["properties"]) == sorted(
        (*DECLARATION_KEYS, "order"))
    assert definitions["operator"]["properties"]["op"]["enum"] == list(OPERATORS)
    assert definitions["call"]["properties"]["call"]["enum"] == sorted(
        name for name, operation in OPERATIONS.items() if operation.compute is not None)
    human = definitions["step"]["then"]["properties"]["payload"]["properties"]["operation"]
    assert human["enum"] == sorted(o.name for o in OPERATIONS.values() if o.kind == "human")
    from runtime.orchestration.operations import FIELD_KINDS

    assert definitions["form_field"]["properties"]["type"]["enum"] == list(FIELD_KINDS)


def _steps(document: dict[str, Any]) -> list[dict[str, Any]]:
    return document["steps"]  # type: ignore[no-any-return]


def _three_human_steps(document: dict[str, Any]) -> None:
    for step in _steps(document)[:3]:
        step.update(kind="human", payload={"operation": "confirm", "args": {"prompt": "?"}})


MUTATIONS: dict[str, Callable[[dict[str, Any]], object]] = {
    "six steps": lambda d: _steps(d).extend(copy.deepcopy(_steps(d)[:2])),
    "three human steps": _three_human_steps,
    "an unknown kind": lambda d: _steps(d)[0].update(kind="robot"),
    "a runtime operation in a human step": lambda d: _steps(d)[2]["payload"].update(
        operation="set"),
    "a short content hash": lambda d: d["metadata"].update(content_hash="abc"),
    "an unknown metadata key": lambda d: d["metadata"].update(surprise=1),
    "a missing schema version": lambda d: d["metadata"].pop("schema_version"),
    "another schema version": lambda d: d["metadata"].update(schema_version=3),
    "an unknown type": lambda d: d["metadata"]["declarations"]["params"]["today"].update(
        type="datetime"),
    "a range without a maximum": lambda d: d["metadata"]["declarations"]["params"][
        "top_n"].pop("max"),
    "an output outside the state": lambda d: _steps(d)[0]["payload"].update(
        output="param.x"),
    "a `not` with two operands": lambda d: _steps(d)[3]["payload"].update(
        when={"op": "not", "args": [True, False]}),
    "an unknown operator": lambda d: _steps(d)[3]["payload"].update(
        when={"op": "xor", "args": [True, False]}),
    "a node with two keys": lambda d: _steps(d)[3]["payload"].update(
        when={"ref": "state.a", "lit": 1}),
    "a reference without a path": lambda d: _steps(d)[3]["payload"].update(
        when={"ref": "state"}),
    "a form without fields": lambda d: _steps(d)[2]["payload"].update(
        operation="form", args={"prompt": "?", "fields": {"lit": []}}),
    "a form field of an unknown type": lambda d: _steps(d)[2]["payload"].update(
        operation="form", args={"prompt": "?", "fields": {"lit": [
            {"name": "a", "type": "txt", "prompt": "A?"}]}}),
    "a choose field without options": lambda d: _steps(d)[2]["payload"].update(
        operation="form", args={"prompt": "?", "fields": {"lit": [
            {"name": "a", "type": "choose", "prompt": "A?"}]}}),
    "bounds on a text field": lambda d: _steps(d)[2]["payload"].update(
        operation="form", args={"prompt": "?", "fields": {"lit": [
            {"name": "a", "type": "text", "prompt": "A?", "max": 3}]}}),
    "a call of an operation that gives no value": lambda d: _steps(d)[3]["payload"].update(
        when={"call": "set", "args": {}}),
    "a call without arguments": lambda d: _steps(d)[3]["payload"].update(
        when={"call": "count"}),
    "a call with a malformed argument": lambda d: _steps(d)[3]["payload"].update(
        when={"call": "count", "args": {"list": [1]}}),
}


@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test_the_schema_rejects(name: str) -> None:
    document = compiled(ROOT / "examples" / "daily_loop.mission")
    assert errors(document) == []
    MUTATIONS[name](document)
    assert errors(document), f"the schema accepted {name}"


def test_the_documented_check_jsonschema_command_validates_a_compiled_example(
        tmp_path: Path) -> None:
    """docs/editors.md: `check-jsonschema --schemafile "$(mission schema --path)" FILE`, with
    the command the `schema` extra installs (a real subprocess)."""
    import shutil
    import subprocess

    command = shutil.which("check-jsonschema")
    assert command is not None, "the test extra installs check-jsonschema"
    out = tmp_path / "handover.json"
    assert run_cli("compile", "examples/oncall_handover.mission", "-o", str(out)).returncode == 0
    schema = run_cli("schema", "--path").stdout.strip()
    checked = subprocess.run([command, "--schemafile", schema, str(out)], capture_output=True,
                             text=True, check=False, timeout=120)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    document = json.loads(out.read_text(encoding="utf-8"))
    document["metadata"]["declarations"]["inputs"]["roster"]["nullable"] = False
    out.write_text(json.dumps(document), encoding="utf-8")
    refused = subprocess.run([command, "--schemafile", schema, str(out)], capture_output=True,
                             text=True, check=False, timeout=120)
    assert refused.returncode == 1


def _approve(document: dict[str, Any]) -> dict[str, Any]:
    """The payload of the example's human step (`by 2 of managers except starter`)."""
    return _steps(document)[1]["payload"]  # type: ignore[no-any-return]


def _deadlines(document: dict[str, Any]) -> list[dict[str, Any]]:
    return _approve(document)["deadlines"]  # type: ignore[no-any-return]


TIMED_MUTATIONS: dict[str, Callable[[dict[str, Any]], object]] = {
    "a deadline on a runtime step": lambda d: _steps(d)[0]["payload"].update(
        deadlines=[{"after": 60, "fail": "late"}]),
    "a group on a runtime step": lambda d: _steps(d)[0]["payload"].update(answered_by="g"),
    "approvals without a group": lambda d: _approve(d).pop("answered_by"),
    "one approval written out": lambda d: _approve(d).update(approvals=1),
    "more approvals than the bound": lambda d: _approve(d).update(approvals=21),
    "exclude_starter false": lambda d: _approve(d).update(exclude_starter=False),
    "a reminder under a minute": lambda d: _approve(d).update(remind_before=59),
    "a wait under a minute": lambda d: _deadlines(d)[0].update(after=59),
    "a wait over 52 weeks": lambda d: _deadlines(d)[0].update(after=52 * 7 * 86400 + 1),
    "a wait in fractions of a second": lambda d: _deadlines(d)[0].update(after=60.5),
    "five deadlines": lambda d: _deadlines(d).__setitem__(
        slice(0, 0), [{"after": 60, "escalate": group} for group in "abc"]),
    "an answer before an escalation": lambda d: _deadlines(d).reverse(),
    "a deadline with two outcomes": lambda d: _deadlines(d)[1].update(fail="late"),
    "a deadline without a wait": lambda d: _deadlines(d)[1].pop("after"),
    "a deadline with no outcome": lambda d: _deadlines(d)[1].pop("answer"),
    "an empty reason": lambda d: _deadlines(d).__setitem__(1, {"after": 60, "fail": " "}),
    "an escalation to a non-name": lambda d: _deadlines(d)[0].update(escalate="the board"),
    "no deadlines in the list": lambda d: _approve(d).update(deadlines=[]),
}


@pytest.mark.parametrize("name", sorted(TIMED_MUTATIONS))
def test_the_schema_rejects_time_limits_that_break_the_rules(name: str) -> None:
    document = compiled(ROOT / "examples" / "expense_approval.mission")
    assert errors(document) == []
    assert _approve(document)["deadlines"] == [{"after": 172800, "escalate": "directors"},
                                               {"after": 86400, "answer": False}]
    TIMED_MUTATIONS[name](document)
    assert errors(document), f"the schema accepted {name}"


def test_the_schema_accepts_every_kind_of_deadline() -> None:
    document = compiled(ROOT / "examples" / "expense_approval.mission")
    for final in ({"fail": "no answer from directors within 1 day"}, {"answer": {"a": [1]}},
                  {"escalate": "board"}):
        _deadlines(document)[1] = {"after": 86400, **final}
        assert errors(document) == []
    _approve(document)["deadlines"] = [{"after": 60, "escalate": g} for g in "abc"] + [
        {"after": 60, "answer": "x"}]
    assert errors(document) == []


def test_the_schema_keeps_the_bounds_of_the_code() -> None:
    from runtime.bounds import (
        MAX_APPROVALS,
        MAX_DEADLINE_SECONDS,
        MAX_DEADLINES,
        MIN_DEADLINE_SECONDS,
    )

    definitions = SCHEMA["$defs"]
    assert (definitions["wait"]["minimum"], definitions["wait"]["maximum"]) == (
        MIN_DEADLINE_SECONDS, MAX_DEADLINE_SECONDS)
    assert definitions["deadlines"]["maxItems"] == MAX_DEADLINES
    assert len(definitions["deadlines"]["anyOf"]) == MAX_DEADLINES
    assert definitions["payload"]["properties"]["approvals"]["maximum"] == MAX_APPROVALS
