"""The figures issue 16 asks the note to quote: the documentation build time and the wheel size.

    PYTHONPATH=src python bench/bench_project.py            # docs build, then sdist + wheel
    PYTHONPATH=src python bench/bench_project.py --no-docs  # the wheel only

Each step runs in a child process, timed by wall clock and by the CPU time of the child and
its own children (``resource.RUSAGE_CHILDREN``: the gallery renders in two grandchildren), so
a figure taken on a loaded machine can still be compared. The machine's load is printed
beside them. ``mkdocs build --strict`` writes to a temporary directory, so ``site/`` is left
alone; the wheel is built from the committed tree (``git archive HEAD``).
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def timed(cmd: list[str], **kw) -> tuple[float, float]:
    """Run ``cmd``; its wall time and CPU time (user + system, children included)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True, **kw)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def load() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--no-docs", action="store_true", help="skip the documentation build")
    args = ap.parse_args()
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    with tempfile.TemporaryDirectory(prefix="iadsim-bench-") as tmp:
        tmp_path = Path(tmp)
        if not args.no_docs:
            print(f"load before: {load()}")
            cmd = [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(tmp_path / "s")]
            wall, cpu = timed(cmd, cwd=ROOT, env=env)
            reps = os.environ.get("IADSIM_GALLERY_REPLICATIONS", "100")
            pages = len(list((tmp_path / "s").rglob("*.html")))
            size = sum(p.stat().st_size for p in (tmp_path / "s").rglob("*") if p.is_file())
            print(
                f"mkdocs build --strict (gallery at {reps} replications): {wall:.1f} s wall, "
                f"{cpu:.1f} s CPU; {pages} pages, {size / 1e6:.1f} MB (load after: {load()})"
            )
        # the committed tree, as a clone has it (git archive), so the checkout gets no build/
        src = tmp_path / "iadsim-src"
        src.mkdir()
        tree = subprocess.run(["git", "archive", "HEAD"], cwd=ROOT, check=True, capture_output=True)
        subprocess.run(["tar", "-x", "-C", str(src)], input=tree.stdout, check=True)
        dist = tmp_path / "dist"
        cmd = [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(dist), str(src)]
        wall, cpu = timed(cmd, env={k: v for k, v in env.items() if k != "PYTHONPATH"})
        (wheel,) = dist.glob("*.whl")
        (sdist,) = dist.glob("*.tar.gz")
        print(
            f"python -m build: {wall:.1f} s wall, {cpu:.1f} s CPU; wheel {wheel.name} "
            f"{wheel.stat().st_size / 1e6:.1f} MB (goal <= 25 MB), sdist "
            f"{sdist.stat().st_size / 1e6:.1f} MB (load after: {load()})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
