"""Fixtures of the planning tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.planning.tiny_plan import write_tiny


@pytest.fixture
def tiny_plan(tmp_path: Path) -> Path:
    return write_tiny(tmp_path)
