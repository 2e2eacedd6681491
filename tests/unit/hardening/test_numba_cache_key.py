"""iadsim's numba cache folder is keyed by the contents of its numba code
(:mod:`iadsim.numba_cache`): numba's own cache checks only the file that defines a function, and
after an edit of one stage file the driver in another file loaded stale machine code."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from iadsim import numba_cache


def _package(tmp_path: Path) -> Path:
    pkg = tmp_path / "pkg"
    (pkg / "engine").mkdir(parents=True)
    (pkg / "engine" / "stages.py").write_text(
        "import numba\n@numba.njit\ndef f(x):\n    return x\n"
    )
    (pkg / "engine" / "kernel.py").write_text("import numba\nfrom .stages import f\n")
    (pkg / "cli.py").write_text("print('no compiled code here')\n")
    return pkg


def test_digest_follows_the_numba_code_not_the_rest(tmp_path):
    pkg = _package(tmp_path)
    d0 = numba_cache.code_digest(pkg)
    assert d0 == numba_cache.code_digest(pkg)  # stable
    # a module without numba, and a touched timestamp, leave it
    (pkg / "cli.py").write_text("print('still none')\n")
    stages = pkg / "engine" / "stages.py"
    os.utime(stages, (time.time() + 100, time.time() + 100))
    assert numba_cache.code_digest(pkg) == d0
    # an edit of the callee's file alone changes it (the case numba's own cache misses)
    stages.write_text(stages.read_text().replace("return x", "return -x"))
    d1 = numba_cache.code_digest(pkg)
    assert d1 != d0
    # so does a new module with numba code
    (pkg / "engine" / "new_stage.py").write_text("import numba\n")
    assert numba_cache.code_digest(pkg) not in (d0, d1)


def test_folder_under_the_given_dir_kept_by_workers_and_off_when_caches_are(tmp_path, monkeypatch):
    pkg = _package(tmp_path)
    digest = numba_cache.code_digest(pkg)
    given = tmp_path / "nc"
    folder = numba_cache.cache_folder({"NUMBA_CACHE_DIR": str(given)}, pkg)
    assert folder == given / f"iadsim-{digest}" and folder.is_dir()
    # a worker process inherits the chosen folder: it is not nested again
    assert numba_cache.cache_folder({"NUMBA_CACHE_DIR": str(folder)}, pkg) == folder
    # without NUMBA_CACHE_DIR: under the cache root; with the caches off: numba's default
    root = tmp_path / "root"
    monkeypatch.setenv("IADSIM_CACHE_DIR", str(root))
    assert numba_cache.cache_folder({}, pkg) == root / "numba" / f"iadsim-{digest}"
    monkeypatch.setenv("IADSIM_CACHE_DIR", "off")
    assert numba_cache.cache_folder({}, pkg) is None


def test_old_folders_are_pruned_to_the_newest(tmp_path):
    pkg = _package(tmp_path)
    given = tmp_path / "nc"
    for i in range(numba_cache.KEEP + 3):
        old = given / f"iadsim-old{i:02d}"
        old.mkdir(parents=True)
        os.utime(old, (1e9 + i, 1e9 + i))
    (given / "not-ours").mkdir()
    folder = numba_cache.cache_folder({"NUMBA_CACHE_DIR": str(given)}, pkg)
    left = sorted(p.name for p in given.iterdir())
    assert folder.name in left and "not-ours" in left
    kept_old = [n for n in left if n.startswith("iadsim-old")]
    # the new folder and the KEEP - 1 newest old ones
    assert kept_old == [f"iadsim-old{i:02d}" for i in range(4, numba_cache.KEEP + 3)]


def test_importing_iadsim_points_numba_at_the_folder(tmp_path):
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "nc")}
    code = (
        "import iadsim, numba, os; from iadsim import numba_cache; "
        "print(numba.config.CACHE_DIR); print(os.environ['NUMBA_CACHE_DIR']); "
        "print(numba_cache.code_digest())"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    ).stdout.split()
    assert out[0] == out[1] == str(tmp_path / "nc" / f"iadsim-{out[2]}")
    # numba imported first: its config is set all the same
    code2 = "import numba, iadsim; print(numba.config.CACHE_DIR)"
    out2 = subprocess.run(
        [sys.executable, "-c", code2], capture_output=True, text=True, check=True, env=env
    ).stdout.split()
    assert out2[0] == out[0]


def test_unreadable_sources_leave_numba_alone(monkeypatch):
    def refuse(*_args, **_kwargs):
        raise PermissionError("no")

    monkeypatch.setattr(numba_cache, "code_digest", refuse)
    monkeypatch.setenv("NUMBA_CACHE_DIR", "/somewhere/else")
    numba_cache.configure()  # no exception: the import of iadsim never fails for it
    assert os.environ["NUMBA_CACHE_DIR"] == "/somewhere/else"
