"""The real command: bad input gives FILE:LINE:COL on stderr, exit status 2, no traceback."""

from __future__ import annotations

import subprocess
import sys

from typer.testing import CliRunner

from iadsim.cli import app


def test_validate_bad_file_exits_2_without_traceback(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("schema_version: 1\nname: x\nassets: []\nraids: []\n")
    proc = subprocess.run(
        [sys.executable, "-m", "iadsim.cli", "validate", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert f"{path}:3:1: assets: List should have at least 1 item" in proc.stderr, proc.stderr


def test_run_bad_file_exits_2(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("schema_version: 1\nname: [x\n")
    result = CliRunner().invoke(app, ["run", str(path)])
    assert result.exit_code == 2
    assert f"{path}:" in result.output


def test_unknown_catalog_entry_exits_2():
    result = CliRunner().invoke(app, ["catalog", "show", "s-999"])
    assert result.exit_code == 2
    assert "unknown catalog entry 's-999'" in result.output
