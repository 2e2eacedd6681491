"""Ctrl-C during a run: exit 130 and one line saying what stopped and that --resume continues
it; the resumed run finishes (issue 10, B7)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

EXAMPLE = "examples/iraq-2020-al-asad.yaml"


@pytest.mark.slow
def test_ctrl_c_exits_130_with_one_line_and_resume_continues(tmp_path):
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "iadsim.cli", "run", EXAMPLE, "-v", "s400-tor", "-q"]
    cmd += ["-n", "6000", "--chunk-size", "100", "--workers", "2", "--out", str(out)]
    # a new session, so the signal goes to the group as a terminal's Ctrl-C does (workers too)
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    partial = tmp_path / "out" / ".partial-s400-tor"
    deadline = time.monotonic() + 120
    while not list(partial.glob("threats-*.arrow")):
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "no chunk written in 120 s"
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 130, (stdout, stderr)
    lines = [ln for ln in stderr.splitlines() if ln.strip()]
    assert lines == [
        f"interrupted: iadsim run {EXAMPLE}; the chunks finished so far are kept, and the same "
        "command with --resume continues it"
    ], stderr
    assert not (out / "s400-tor").exists()  # no half-written result
    done = len(list(partial.glob("threats-*.arrow")))
    assert 1 <= done < 60

    resumed = subprocess.run(
        [*cmd, "--resume", "--json"], capture_output=True, text=True, check=False, timeout=300
    )
    assert resumed.returncode == 0, resumed.stderr
    assert (out / "s400-tor" / "threats.parquet").exists()
    import pyarrow.parquet as pq

    assert pq.read_metadata(out / "s400-tor" / "threats.parquet").num_rows == 6000 * 16
