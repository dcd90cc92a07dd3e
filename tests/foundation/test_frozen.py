"""`runtime.frozen.Frozen`: the hand-written records behave as the frozen, slotted
dataclasses they replace, and every subclass keeps its `__init__` in step with its fields."""

from __future__ import annotations

import copy
import inspect
import pickle
from dataclasses import FrozenInstanceError

import pytest
from hypothesis import given
from hypothesis import strategies as st

import compiler.checked
import compiler.config
import compiler.lint
import compiler.parser
import compiler.rules
import compiler.suppress
import runtime.orchestration.operations
import runtime.orchestration.types
from compiler import ast
from compiler.diagnostics import Diagnostic, Fix, Label, Severity
from runtime.frozen import Frozen

MODULES = (compiler.checked, compiler.config, compiler.lint, compiler.parser, compiler.rules,
           compiler.suppress, runtime.orchestration.operations, runtime.orchestration.types)


def subclasses(cls: type) -> list[type]:
    found = []
    for sub in cls.__subclasses__():
        found += [sub, *subclasses(sub)]
    return found


def test_every_record_takes_its_fields_in_order_and_has_no_instance_dict() -> None:
    records = [cls for cls in subclasses(Frozen) if cls._fields]
    assert len(records) >= 45, [cls.__name__ for cls in records]  # the modules above loaded
    for cls in records:
        parameters = list(inspect.signature(cls.__init__).parameters)[1:]
        assert parameters == list(cls._fields), cls.__name__
        assert "__dict__" not in dir(cls), cls.__name__


def test_a_field_list_that_differs_from_the_slots_is_refused() -> None:
    with pytest.raises(TypeError, match="__slots__ must name the annotated fields"):
        class Broken(Frozen):
            __slots__ = ("a",)
            a: int
            b: int


spans = st.builds(ast.Span, st.integers(0, 1000), st.integers(0, 1000))


@given(st.text(max_size=8), spans, spans)
def test_the_tree_compares_and_hashes_without_spans(text: str, one: ast.Span,
                                                    other: ast.Span) -> None:
    left, right = ast.Name(text, one), ast.Name(text, other)
    assert left == right and hash(left) == hash(right)
    assert ast.Name(text + "x", one) != left
    assert ast.Literal(text, one) != left  # another class is never equal
    assert (one == other) == ((one.start, one.end) == (other.start, other.end))


def test_records_are_frozen_and_copy_pickle_and_replace_like_dataclasses() -> None:
    step = ast.Step(ast.Name("human"), ast.Name("ask"), None, None, None, ast.Span(3, 9))
    with pytest.raises(FrozenInstanceError):
        step.id = ast.Name("other")  # type: ignore[misc]
    with pytest.raises(FrozenInstanceError):
        del step.kind  # type: ignore[misc]
    for copied in (copy.copy(step), copy.deepcopy(step), pickle.loads(pickle.dumps(step))):
        assert copied == step and copied.span == ast.Span(3, 9)
    changed = step.replace(group=ast.Name("finance"))
    assert changed.group == ast.Name("finance") and changed.span == step.span
    assert step.group is None
    assert repr(step).startswith("Step(kind=Name(text='human'), id=Name(text='ask')")
    assert "span" not in repr(step)


def test_a_diagnostic_compares_without_its_path_and_keeps_it_through_replace() -> None:
    diagnostic = Diagnostic("E001", Severity.ERROR, "m", ast.Span(0, 1),
                            labels=(Label(ast.Span(2, 3), "here"),), fix=Fix("f", ()),
                            path="a.mission")
    moved = diagnostic.replace(path="b.mission")
    assert moved == diagnostic and len({moved, diagnostic}) == 1
    assert moved.path == "b.mission"
    assert diagnostic.replace(severity=Severity.WARNING) != diagnostic
    assert diagnostic.as_dict()["path"] == "a.mission"
