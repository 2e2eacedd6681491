"""Output faults end in one line and exit 1 or 2, never a traceback, and leave earlier results
as they were (issue 10, B6): --out naming a file, --out FILE/sub, a read-only --out, a full
disk."""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest
from typer.testing import CliRunner

from iadsim.cli import app

SCENARIO = """\
schema_version: 1
name: faults
assets:
  - {name: al-asad, lat: 33.80, lon: 42.44}
raids:
  - {name: r, threat: shahed-136, launch_points: [{lat: 33.95, lon: 42.60}], aim: al-asad,
     count: 2, spacing_s: 30}
monte_carlo: {replications: 4, seed: 1, chunk_size: 2}
"""


@pytest.fixture
def scenario(tmp_path) -> Path:
    path = tmp_path / "s.yaml"
    path.write_text(SCENARIO, encoding="utf-8")
    return path


def _run(scenario, out, *extra):
    result = CliRunner().invoke(
        app, ["run", str(scenario), "-q", "--workers", "1", "--out", str(out), *extra]
    )
    assert "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit) or result.exception is None
    return result


def _one_line(result) -> str:
    lines = [ln for ln in result.output.splitlines() if ln.strip()]
    assert len(lines) == 1, result.output
    return lines[0]


def test_out_naming_a_file(scenario, tmp_path):
    afile = tmp_path / "afile"
    afile.write_text("keep", encoding="utf-8")
    result = _run(scenario, afile)
    assert result.exit_code == 2
    assert _one_line(result) == f"--out: {afile} is a file; give a directory"
    assert afile.read_text(encoding="utf-8") == "keep"


def test_out_under_a_file(scenario, tmp_path):
    afile = tmp_path / "afile"
    afile.write_text("keep", encoding="utf-8")
    result = _run(scenario, afile / "sub")
    assert result.exit_code == 2
    assert (
        _one_line(result)
        == f"--out: {afile / 'sub'} is under {afile}, which is a file; give a directory"
    )


@pytest.fixture
def read_only_dir(tmp_path, monkeypatch):
    """A directory no one may write in: mode 0555 for a normal user; for root (who ignores
    modes) a read-only tmpfs when mounting is allowed, else a simulated refusal."""
    path = tmp_path / "ro"
    path.mkdir()
    if os.geteuid() != 0:
        path.chmod(0o555)
        yield path
        path.chmod(0o755)
        return
    mounted = (
        shutil.which("mount")
        and subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "ro,size=64k", "tmpfs", str(path)],
            capture_output=True,
            check=False,
        ).returncode
        == 0
    )
    if not mounted:
        real = os.access
        monkeypatch.setattr(
            os, "access", lambda p, m, **kw: False if Path(p) == path else real(p, m, **kw)
        )
    try:
        yield path
    finally:
        if mounted:
            subprocess.run(["umount", str(path)], check=True)


def test_read_only_out(scenario, read_only_dir):
    result = _run(scenario, read_only_dir / "results")
    assert result.exit_code == 2
    line = _one_line(result)
    assert (
        line
        == f"--out: {read_only_dir / 'results'}: cannot write in {read_only_dir} (permission denied)"
    )


def test_a_fault_while_writing_is_one_line_and_exit_1(scenario, tmp_path, monkeypatch):
    """Permission lost after the check (or any other OSError while writing): one line, exit 1."""
    import tempfile

    def refuse(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied", str(kwargs.get("dir", "?")))

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    result = _run(scenario, tmp_path / "out")
    assert result.exit_code == 1
    assert _one_line(result).startswith(
        f"cannot write output: {tmp_path / 'out'}: Permission denied"
    )


def _results(out: Path) -> dict[str, bytes]:
    """Every result file (not the hidden .partial-* chunks a --resume continues from)."""
    files = (p for p in sorted(out.rglob("*")) if p.is_file())
    return {
        str(p.relative_to(out)): p.read_bytes()
        for p in files
        if not p.relative_to(out).parts[0].startswith(".partial-")
    }


@pytest.mark.parametrize(
    "module, name, fail_at",
    [
        ("pyarrow.ipc", "new_file", 1),  # a chunk's part file
        ("pyarrow.ipc", "new_file", 4),  # a later chunk's part file
        ("pyarrow.parquet", "write_table", 1),  # tracks.parquet in the result dir
    ],
)
def test_full_disk_keeps_earlier_results(scenario, tmp_path, monkeypatch, module, name, fail_at):
    import importlib

    writer = importlib.import_module(module)
    out = tmp_path / "out"
    assert _run(scenario, out).exit_code == 0
    before = _results(out)
    real, calls = getattr(writer, name), []

    def write(*args, **kwargs):
        calls.append(1)
        if len(calls) == fail_at:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(*args, **kwargs)

    monkeypatch.setattr(writer, name, write)
    result = _run(scenario, out, "--seed", "2")  # new inputs: nothing can be reused
    assert result.exit_code == 1
    assert _one_line(result) == (
        "cannot write output: [Errno 28] No space left on device (outputs are written "
        "atomically: results already there are unchanged)"
    )
    assert len(calls) == fail_at
    assert _results(out) == before  # the earlier run's files, byte for byte
    assert not list(out.glob(".tmp-*"))


@pytest.fixture
def tiny_disk(tmp_path):
    """A real 200 KB tmpfs (root only); skipped where mounting is not allowed."""
    path = tmp_path / "tiny"
    path.mkdir()
    if os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("mounting a tmpfs needs root")
    name = f"iadsim-{uuid.uuid4().hex[:6]}"
    proc = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=200k", name, str(path)],
        capture_output=True,
        check=False,
    )
    if proc.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {proc.stderr.decode().strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", str(path)], check=True)


def test_a_real_full_disk(tiny_disk):
    result = CliRunner().invoke(
        app,
        [
            "run",
            "examples/iraq-2020-al-asad.yaml",
            "-q",
            "-n",
            "300",
            "--workers",
            "1",
            "--out",
            str(tiny_disk / "r"),
        ],
    )
    assert "Traceback" not in result.output
    assert result.exit_code == 1
    assert "No space left on device" in _one_line(result)
    assert not [p for p in (tiny_disk / "r").glob("*") if p.is_dir() and not p.name.startswith(".")]
