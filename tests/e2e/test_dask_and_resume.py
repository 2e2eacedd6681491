"""Executors and resumption: a Dask LocalCluster gives the local run's results to the byte, a
worker killed mid-run changes nothing (its chunk is computed again), and an interrupted run
resumed with --resume gives the uninterrupted run's results."""

from __future__ import annotations

import os
import signal
import time

import distributed  # a hard dependency (dask[distributed]): an import error must fail
import pytest
from typer.testing import CliRunner

import iadsim
from iadsim.cli import app

SCENARIO = "examples/iraq-2020-al-asad.yaml"
VARIANT = "s400-tor"


def _run(out, **kw):
    scenario = iadsim.load_scenario(SCENARIO)
    kw.setdefault("workers", 2)
    return iadsim.run(
        scenario, [VARIANT], replications=240, seed=9, chunk_size=40, out_dir=out, **kw
    )[VARIANT].directory


def _same(a, b):
    for name in ("threats.parquet", "fire_units.parquet", "run.json", "timeline.parquet"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


def _interrupt_after_three_chunks(out):
    """Run into ``out`` and stop it (Ctrl-C) once three chunks are written."""
    done = []

    def interrupt_after_three(name, total):
        def tick(n):
            done.append(n)
            if len(done) == 3:
                raise KeyboardInterrupt

        return tick

    with pytest.raises(KeyboardInterrupt):
        _run(out, workers=1, progress=interrupt_after_three)


@pytest.fixture(scope="module")
def local_result(tmp_path_factory):
    return _run(tmp_path_factory.mktemp("local"), workers=1)


def test_dask_local_cluster_matches_local_run(tmp_path, local_result):
    _same(local_result, _run(tmp_path, scheduler="local"))


def test_killed_worker_does_not_change_results(tmp_path, local_result):
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    )
    client = distributed.Client(cluster)
    killed = []

    def progress(name, total):
        def tick(n):
            if not killed:  # after the first chunk, kill one worker process outright
                pids = client.run(os.getpid)
                victim = sorted(pids.values())[0]
                os.kill(victim, signal.SIGKILL)
                killed.append(victim)

        return tick

    try:
        out = _run(tmp_path, scheduler=client, progress=progress)
    finally:
        client.close()
        cluster.close()
    assert killed
    _same(local_result, out)


def test_interrupted_run_resumes_to_identical_results(tmp_path, local_result):
    _interrupt_after_three_chunks(tmp_path)
    assert not (tmp_path / VARIANT).exists()
    parts = sorted((tmp_path / f".partial-{VARIANT}").glob("threats-*.arrow"))
    assert len(parts) == 3

    resumed = []

    def count(name, total):
        return resumed.append

    out = _run(tmp_path, workers=1, progress=count, resume=True)
    assert resumed[0] == 3 * 40  # the chunks kept from the first run, reported at once
    assert sum(resumed) == 240 and len(resumed) == 1 + 3  # only the 3 missing chunks ran
    _same(local_result, out)
    assert not (tmp_path / f".partial-{VARIANT}").exists()


def test_a_run_interrupted_after_its_last_chunk_resumes_with_no_chunk_to_run(
    tmp_path, local_result
):
    """Every part written, the result directory not yet moved into place: the resumed run
    runs no chunk and still writes every table (the track and timeline tables are written
    beside the chunks, so here with none)."""

    def interrupt_at_the_last(name, total):
        def tick(n):
            if len(list((tmp_path / f".partial-{VARIANT}").glob("threats-*.arrow"))) == 6:
                raise KeyboardInterrupt

        return tick

    with pytest.raises(KeyboardInterrupt):
        _run(tmp_path, workers=1, progress=interrupt_at_the_last)
    resumed = []
    out = _run(tmp_path, workers=1, progress=lambda name, total: resumed.append, resume=True)
    assert resumed == [240]  # all from the parts
    _same(local_result, out)
    assert (out / "tracks.parquet").read_bytes() == (local_result / "tracks.parquet").read_bytes()


def test_parts_of_other_inputs_are_not_resumed_from(tmp_path, local_result):
    """Interrupted, then resumed with one salvo instead of two: the kernel's inputs differ, so
    the parts are discarded and the results are those of a fresh run of the new inputs."""

    _interrupt_after_three_chunks(tmp_path)
    scenario = iadsim.load_scenario(SCENARIO)
    one = scenario.model_copy(
        update={"doctrine": scenario.doctrine.model_copy(update={"salvo_size": 1})}
    )

    def run(out, **kw):
        return iadsim.run(
            one, [VARIANT], replications=240, seed=9, chunk_size=40, out_dir=out, workers=1, **kw
        )[VARIANT].directory

    resumed = []
    out = run(tmp_path, progress=lambda name, total: resumed.append, resume=True)
    assert sum(resumed) == 240 and len(resumed) == 6  # every chunk ran again
    _same(run(tmp_path / "fresh"), out)
    with pytest.raises(AssertionError):
        _same(local_result, out)  # and one salvo did change the results


def test_without_resume_parts_are_discarded(tmp_path, local_result):
    partial = tmp_path / f".partial-{VARIANT}"
    partial.mkdir()
    (partial / "threats-000000000000.arrow").write_bytes(b"stale")
    _same(local_result, _run(tmp_path, workers=1))


def test_unreachable_scheduler_exits_2(tmp_path):
    result = CliRunner().invoke(
        app,
        [
            "run",
            "examples/depot-drone-raid.yaml",
            "-n",
            "10",
            "--scheduler",
            "tcp://127.0.0.1:9",
            "--out",
            str(tmp_path),
        ],
    )
    assert result.exit_code == 2, result.output
    assert "cannot reach the Dask scheduler" in result.output


def test_stalled_chunk_is_submitted_again(tmp_path, local_result, monkeypatch, caplog):
    """A chunk with no result long after the others is submitted again, and the copy's result
    is the one used (threads in this process, so the first copy can be made to stall). The
    stalled copy would return another seed's results: had the run waited for it, its bytes
    would differ from the local run's."""
    from iadsim.engine import executors

    real = executors._dask_chunk
    marker = tmp_path / "stalled"  # a file: the task function reaches the workers pickled

    def stall_once(p, seed, start, stop):
        if start == 80 and not marker.exists():
            marker.touch()
            time.sleep(6.0)  # far past the stall limit set below
            return real(p, seed + 1, start, stop)  # wrong on purpose: must never be used
        return real(p, seed, start, stop)

    monkeypatch.setattr(executors, "_dask_chunk", stall_once)
    monkeypatch.setattr(executors, "_MIN_STALL_S", 1.0)
    monkeypatch.setattr(executors, "_STALL_FACTOR", 0.0)
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None
    )
    client = distributed.Client(cluster)
    try:
        with caplog.at_level("WARNING", logger="iadsim.engine.executors"):
            out = _run(tmp_path / "out", scheduler=client)
    finally:
        client.close()
        cluster.close()
    assert marker.exists()
    assert any("chunk 80-120 stalled" in r.getMessage() for r in caplog.records)
    _same(local_result, out)  # the copy's tables, not the stalled (wrong-seed) ones


def test_parts_without_their_manifest_are_not_resumed_from(tmp_path, local_result):
    """A fresh run writes its manifest while its chunks run: a run killed before it was
    written leaves parts of unknown inputs, which --resume must discard, not trust."""
    partial = tmp_path / f".partial-{VARIANT}"
    partial.mkdir()
    for kind in ("threats", "fire_units"):
        (partial / f"{kind}-000000000000.arrow").write_bytes(b"of another run")
    resumed = []
    out = _run(tmp_path, workers=2, progress=lambda name, total: resumed.append, resume=True)
    assert sum(resumed) == 240 and len(resumed) == 6  # every chunk ran again
    _same(local_result, out)


def test_a_manifest_that_cannot_be_written_fails_the_run(tmp_path, monkeypatch):
    from iadsim.engine import runner

    def refuse(manifest, digest):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(runner, "_write_manifest", refuse)
    with pytest.raises(OSError, match="No space"):
        _run(tmp_path, workers=2)
    assert not (tmp_path / VARIANT).exists()  # no result directory from a failed run
