"""The package as an analyst gets it: ``python -m build`` makes an sdist and a wheel; the wheel,
installed (not editable) into a fresh virtual environment, runs ``validate``, ``run --report``
and ``catalog`` on an example taken from the sdist, from a directory outside the source tree.
This catches package data (catalog, DEM, borders, templates, Leaflet) missing from the wheel.

The fresh environment installs the wheel with ``--no-deps --no-index`` and reaches the
dependencies through a ``.pth`` line naming this interpreter's site-packages (a plain path
line: the editable install's finder there is not activated), so nothing is downloaded.

The installed ``run`` executes the engine as plain Python (``NUMBA_DISABLE_JIT=1``): compiling
it afresh in the new environment took 157 s of CPU (against 3.6 s interpreted) and proves
nothing about packaging, since every other engine test compiles the same source. Its results
must equal, column for column, those of the checkout's compiled engine for the same scenario
and seed, so the shortcut cannot hide a difference.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import zipfile
from pathlib import Path

import pandas as pd
import pytest

import iadsim

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ["src", "examples", "docs", "pyproject.toml", "README.md", "LICENSE", "NOTICE"]
SOURCES += ["MANIFEST.in", "CHANGELOG.md", "CITATION.cff"]
EXAMPLE = "examples/depot-drone-raid.yaml"
PIP = [sys.executable, "-m", "pip"]

pytestmark = pytest.mark.slow


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PYTHONNOUSERSITE"] = "1"
    return env


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict[str, Path]:
    """Build from a copy of the sources, so the checkout gets no build/ or egg-info."""
    tmp = tmp_path_factory.mktemp("build")
    src = tmp / "iadsim-src"
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", "*.nbi", "*.nbc", "out")
    for name in SOURCES:
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, src / name, ignore=ignore)
        else:
            shutil.copy2(path, src / name)
    dist = tmp / "dist"
    subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(dist), str(src)],
        check=True,
        capture_output=True,
        env=_env(),
    )
    (wheel,) = dist.glob("iadsim-*.whl")
    (sdist,) = dist.glob("iadsim-*.tar.gz")
    return {"wheel": wheel, "sdist": sdist, "tmp": tmp}


def test_wheel_holds_the_package_data_and_licences(built):
    names = set(zipfile.ZipFile(built["wheel"]).namelist())
    info = f"iadsim-{iadsim.__version__}.dist-info"
    for required in [
        "iadsim/py.typed",
        "iadsim/terrain/data/globe30s_middle_east.tif",
        "iadsim/terrain/data/ne10m_admin0_middle_east.geojson",
        "iadsim/report/templates/report.html",
        "iadsim/report/vendor/leaflet/leaflet.js",
        "iadsim/report/vendor/leaflet/LICENSE",
        "iadsim/serve/static/index.html",
        f"{info}/licenses/LICENSE",
        f"{info}/licenses/NOTICE",
    ]:
        assert required in names, required
    packaged = {n for n in names if n.startswith("iadsim/catalog/data/") and n.endswith(".yaml")}
    in_tree = {
        p.relative_to(ROOT / "src").as_posix()
        for p in (ROOT / "src/iadsim/catalog/data").rglob("*.yaml")
    }
    assert packaged == in_tree
    metadata = zipfile.ZipFile(built["wheel"]).read(f"{info}/METADATA").decode()
    assert f"\nVersion: {iadsim.__version__}\n" in metadata
    size_mb = built["wheel"].stat().st_size / 1e6
    print(f"wheel {built['wheel'].name}: {size_mb:.1f} MB")  # goal: <= 25 MB
    assert size_mb <= 25


def test_sdist_ships_the_project_files_and_examples(built):
    top = f"iadsim-{iadsim.__version__}"
    names = set(tarfile.open(built["sdist"]).getnames())
    for required in ["LICENSE", "NOTICE", "CITATION.cff", "CHANGELOG.md", EXAMPLE]:
        assert f"{top}/{required}" in names, required


def test_installed_wheel_runs_from_another_directory(built):
    tmp = built["tmp"]
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    py = venv / "bin" / "python"
    purelib = subprocess.run(
        [str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
        env=_env(),
    ).stdout.strip()
    deps = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (Path(purelib) / "_iadsim_test_deps.pth").write_text("\n".join(sorted(deps)) + "\n")
    subprocess.run(
        [
            *PIP,
            "--python",
            str(py),
            "install",
            "-q",
            "--no-deps",
            "--no-index",
            str(built["wheel"]),
        ],
        check=True,
        capture_output=True,
        env=_env(),
    )
    work = tmp / "elsewhere"
    work.mkdir()
    with tarfile.open(built["sdist"]) as tar:
        member = tar.getmember(f"iadsim-{iadsim.__version__}/{EXAMPLE}")
        (work / "scenario.yaml").write_bytes(tar.extractfile(member).read())

    def iadsim_cli(*args: str, **env: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(venv / "bin" / "iadsim"), *args],
            cwd=work,
            capture_output=True,
            text=True,
            env={**_env(), **env},
            timeout=600,
        )

    where = subprocess.run(
        [str(py), "-c", "import iadsim; print(iadsim.__file__)"],
        cwd=work,
        capture_output=True,
        text=True,
        env=_env(),
    )
    assert Path(where.stdout.strip()).is_relative_to(venv), where.stdout  # not the checkout

    assert iadsim_cli("--version").stdout.strip() == f"iadsim {iadsim.__version__}"
    checked = iadsim_cli("validate", "scenario.yaml")
    assert checked.returncode == 0, checked.stderr
    assert "valid (" in checked.stdout

    run = ("run", "scenario.yaml", "-n", "50", "--report", "--out", "out")
    ran = iadsim_cli(*run, NUMBA_DISABLE_JIT="1")
    assert ran.returncode == 0, ran.stderr
    meta = json.loads((work / "out" / "tor-m2" / "run.json").read_text())
    assert meta["replications"] == 50
    html = (work / "out" / "report.html").read_text(encoding="utf-8")
    assert "Leaflet" in html and "Plotly" in html  # vendored and packaged scripts inlined

    scenario = iadsim.load_scenario(ROOT / EXAMPLE)
    compiled = iadsim.run(scenario, replications=50, workers=1, out_dir=tmp / "checkout")
    assert set(compiled.variants) == {"undefended", "tor-m2"}
    for variant in compiled.variants:
        for table in ("threats", "fire_units"):
            pd.testing.assert_frame_equal(
                pd.read_parquet(work / "out" / variant / f"{table}.parquet"),
                pd.read_parquet(tmp / "checkout" / variant / f"{table}.parquet"),
            )

    listed = iadsim_cli("catalog")
    assert listed.returncode == 0, listed.stderr
    assert "s-400" in listed.stdout and "fateh-313" in listed.stdout
