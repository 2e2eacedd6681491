"""Hostile inputs: how long the reader takes to refuse each, beside a normal example's read.

Run with the project's environment::

    .venv/bin/python bench/bench_hostile_inputs.py

Each case is read with :func:`iadsim.yamlio.read_yaml` (what ``iadsim validate`` does first);
the figure is the best of three wall times, and the ratio is to reading the Al Asad example,
the baseline a user waits for anyway. Issue 10 B1 asks a billion-laughs file to fail in under
a second (before the bound it took over 60 s and ended in a MemoryError).
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from iadsim.errors import InputError
from iadsim.yamlio import read_yaml

HERE = Path(__file__).resolve().parent
EXAMPLE = HERE.parent / "examples" / "iraq-2020-al-asad.yaml"


def billion_laughs() -> str:
    lines = ['lol0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, 10):
        lines.append(f"lol{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]")
    return "\n".join(lines) + "\n"


CASES = {
    "billion laughs (2 KB -> 10**9 nodes)": billion_laughs(),
    "250 nested [": "[" * 250 + "]" * 250 + "\n",
    "100,000 nested [": "[" * 100_000 + "]" * 100_000 + "\n",
    "integer of 4,301 digits": "a: " + "7" * 4301 + "\n",
    "NUL at the end of the example": EXAMPLE.read_text(encoding="utf-8") + "\x00\n",
}


def best_of(path: Path, n: int = 3) -> tuple[float, str]:
    times, outcome = [], ""
    for _ in range(n):
        t0 = time.perf_counter()
        try:
            read_yaml(path)
            outcome = "read"
        except InputError as exc:
            outcome = str(exc).split(": ", 1)[-1][:60]
        times.append(time.perf_counter() - t0)
    return min(times), outcome


def main() -> None:
    base, _ = best_of(EXAMPLE)
    print(f"{'case':40s} {'time':>9s} {'/ example':>10s}  outcome")
    print(f"{'Al Asad example (baseline)':40s} {base * 1e3:7.1f}ms {1.0:10.2f}  read")
    with tempfile.TemporaryDirectory() as tmp:
        for name, text in CASES.items():
            path = Path(tmp) / "case.yaml"
            path.write_text(text, encoding="utf-8")
            t, outcome = best_of(path)
            print(f"{name:40s} {t * 1e3:7.1f}ms {t / base:10.2f}  {outcome}")


if __name__ == "__main__":
    main()
