"""The language reference stays true to the operation table and the examples."""

from __future__ import annotations

from runtime.orchestration.operations import OPERATIONS
from tests.conftest import ROOT

LANGUAGE = (ROOT / "docs" / "language.md").read_text(encoding="utf-8")


def test_every_operation_is_documented_with_its_signature() -> None:
    missing = [op.signature for op in OPERATIONS.values() if f"`{op.signature}`" not in LANGUAGE]
    assert not missing, f"docs/language.md lacks: {missing}"


def test_reference_example_is_the_shipped_daily_loop() -> None:
    shipped = (ROOT / "examples" / "daily_loop.mission").read_text(encoding="utf-8")
    body = shipped[shipped.index("mission daily_loop"):]
    assert body.strip() in LANGUAGE
