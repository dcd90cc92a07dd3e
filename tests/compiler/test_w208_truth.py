"""W208 claims only what is true: every comparison it reports, evaluated by the engine over
generated values of its operand types, gives the claimed constant (or fails the step, for an
ordering or `in` of the wrong types). The values are generated from the declared types and
accepted by the engine's own type checks first, so the static and run-time types agree."""

from __future__ import annotations

import datetime
from typing import Any

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from compiler import compile_source
from compiler.analysis import subexpressions
from compiler.emit import expression_json
from compiler.typer import type_from_ref
from runtime.orchestration.binding import bind_inputs
from runtime.orchestration.expressions import EvaluationError, evaluate
from runtime.orchestration.types import Type

TYPES = ["int", "int?", "float", "number?", "str", "str?", "date", "date?", "bool", "bool?",
         "list", "list[int]", "list[str]?", "map", "map?", "null", "any"]
LITERALS = ["null", "3", "2.5", '"s"', '"2026-01-01"', "true", "[]", "[1]", "{}", '{k: 1}']
OPERATORS = ["==", "!=", "<", "<=", ">", ">=", "in"]
_MISSION = """mission truth "Truth" {{
    version 1
    input items: list[{{x: {x}, y?: {y}}}] = []
    input a: {a}
    input b: {b}
    runtime check "Check" when count(filter(state.items, where: {left} {operator} {right})) >= 0 {{
        noop()
    }}
}}
"""

JSON = st.recursive(st.none() | st.booleans() | st.integers(-5, 5) | st.text(max_size=3),
                    lambda inner: st.lists(inner, max_size=2)
                    | st.dictionaries(st.text(max_size=2), inner, max_size=2), max_leaves=4)


def values_of(found: Type) -> st.SearchStrategy[Any]:
    """Values of a static type, as the engine's checks accept them."""
    if found.nullable:
        return st.none() | values_of(Type(found.name, found.element, found.fields))
    name = found.name
    if name == "any":
        return JSON
    if name == "null":
        return st.none()
    if name == "bool":
        return st.booleans()
    if name == "int":
        return st.integers(-3, 3)
    if name in ("float", "number"):
        return st.integers(-3, 3) | st.floats(-3, 3, allow_nan=False)
    if name == "date":
        return st.dates(datetime.date(2026, 1, 1), datetime.date(2026, 1, 9)).map(
            datetime.date.isoformat)
    if name == "str":
        return st.sampled_from(["", "s", "2026-01-01", "t"])
    if name == "list":
        return st.lists(values_of(found.element) if found.element else JSON, max_size=2)
    if found.fields is None:
        return st.dictionaries(st.sampled_from(["k", "x"]), JSON, max_size=2)
    parts = {key: values_of(value) for key, value in found.fields}
    return st.fixed_dictionaries(
        {key: strategy for key, strategy in parts.items() if key not in found.optional},
        optional={key: strategy for key, strategy in parts.items() if key in found.optional})


_OPERAND = st.sampled_from(["item.x", "item.y", "state.a", "state.b", *LITERALS])


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.filter_too_much])
@given(st.sampled_from(TYPES), st.sampled_from(TYPES), st.sampled_from(TYPES),
       st.sampled_from(TYPES), _OPERAND, st.sampled_from(OPERATORS), _OPERAND, st.data())
def test_every_reported_comparison_is_what_w208_says(
        x: str, y: str, a: str, b: str, left: str, operator: str, right: str,
        data: st.DataObject) -> None:
    compiled = compile_source(_MISSION.format(x=x, y=y, a=a, b=b, left=left, operator=operator,
                                              right=right))
    assume(compiled.workflow is not None and compiled.mission is not None)
    assert compiled.workflow is not None and compiled.mission is not None
    reported = [d for d in compiled.diagnostics if d.code == "W208"]
    assume(reported)
    (finding,) = reported
    step = compiled.mission.steps[0]
    assert step.when is not None
    (node,) = [n for n in subexpressions(step.when) if n.span == finding.span]
    expression = expression_json(node)
    declarations = {d.name.text: type_from_ref(d.type) for d in compiled.mission.inputs}
    for _ in range(5):
        state = {name: data.draw(values_of(found), label=name)
                 for name, found in declarations.items() if name != "items"}
        item = data.draw(values_of(declarations["items"].element or Type("any")), label="item")
        bound = bind_inputs(compiled.workflow, {**state, "items": [item]})  # the engine agrees
        if "never equal" in finding.message:
            claimed = "always true" in finding.message
            assert evaluate(expression, {}, bound, item) is claimed, (finding.message, bound)
        else:  # an ordering or `in` of the wrong types: the step fails, whatever the values
            try:
                evaluate(expression, {}, bound, item)
            except EvaluationError:
                continue
            raise AssertionError(f"{finding.message}, yet it evaluated: {expression}")
