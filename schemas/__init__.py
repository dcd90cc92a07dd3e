"""The JSON Schema of compiled workflows, shipped in the wheel (`mission schema` prints it)."""

from __future__ import annotations

from pathlib import Path

WORKFLOW_SCHEMA = Path(__file__).with_name("workflow.schema.json")
