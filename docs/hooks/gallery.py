"""mkdocs hook: the gallery, generated at build time from examples/*.yaml (never pasted).

For each example scenario the hook runs the tool as a user would, ``iadsim run`` then
``iadsim export``, at a small replication count so the build stays fast, and adds to the
site one page with the scenario's description, the summary the command printed, the figures
it wrote and the scenario file itself. Figures and numbers therefore always match the code
that built the site. Set ``IADSIM_GALLERY_REPLICATIONS`` to change the count.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from mkdocs.structure.files import File, Files

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
REPLICATIONS = int(os.environ.get("IADSIM_GALLERY_REPLICATIONS", "100"))
FIGURES = ["p-leak.png", "leakers.png", "shots.png"]  # across variants; then per-variant maps
_TMP: list[Path] = []


def _iadsim(*args: str) -> str:
    """Run the command line in a child process, as a user would; its stdout."""
    env = {**os.environ, "COLUMNS": "110", "NO_COLOR": "1", "TERM": "dumb"}
    done = subprocess.run(
        [sys.executable, "-c", "from iadsim.cli import main; main()", *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"iadsim {' '.join(args)} failed:\n{done.stderr}")
    return done.stdout


def _title(path: Path) -> tuple[str, str]:
    from iadsim.scenario import load_scenario

    scenario = load_scenario(path)
    return scenario.name, scenario.description.strip()


def _page(example: Path, out: Path) -> tuple[str, list[Path]]:
    name, description = _title(example)
    summary = _iadsim(
        "run", str(example), "-n", str(REPLICATIONS), "--workers", "1", "-q", "--out", str(out)
    )
    _iadsim("export", str(out), "--out", str(out / "exports"))
    figures_dir = out / "exports" / "figures"
    figures = [figures_dir / f for f in FIGURES if (figures_dir / f).exists()]
    figures += sorted(p for p in figures_dir.glob("*-map.png"))
    rel = f"examples/{example.name}"
    lines = [
        f"# {name}",
        "",
        description or "(no description)",
        "",
        f"Scenario file: `{rel}`. Generated when this site was built, by",
        "",
        "```sh",
        f"iadsim run {rel} -n {REPLICATIONS} --workers 1 --out out/{example.stem}",
        f"iadsim export out/{example.stem}",
        "```",
        "",
        f"{REPLICATIONS} replications only, to keep the build fast: intervals are wide; run "
        "10,000 or more for figures you quote.",
        "",
        "## Summary",
        "",
        "```text",
        summary.rstrip(),
        "```",
        "",
        "## Figures",
        "",
    ]
    for fig in figures:
        lines += [f"![{fig.stem}]({example.stem}/{fig.name})", ""]
    lines += [
        "## The scenario file",
        "",
        "```yaml",
        example.read_text(encoding="utf-8").rstrip(),
        "```",
        "",
    ]
    return "\n".join(lines), figures


def on_files(files: Files, config) -> Files:
    tmp = Path(tempfile.mkdtemp(prefix="iadsim-gallery-"))
    _TMP.append(tmp)
    index = [
        "# Gallery",
        "",
        "Every example scenario in `examples/`, run when this site was built "
        f"({REPLICATIONS} replications each), with the summary and figures the tool produced.",
        "",
        "| example | description |",
        "|---|---|",
    ]
    examples = sorted(EXAMPLES.glob("*.yaml"))
    # two examples at a time, one process each: start-up (imports, terrain) dominates the cost
    with ThreadPoolExecutor(max_workers=2) as pool:
        pages = list(pool.map(lambda e: _page(e, tmp / e.stem), examples))
    for example, (content, figures) in zip(examples, pages, strict=True):
        files.append(File.generated(config, f"gallery/{example.stem}.md", content=content))
        for fig in figures:
            files.append(
                File.generated(config, f"gallery/{example.stem}/{fig.name}", abs_src_path=str(fig))
            )
        first = (content.split("\n")[2] if content.count("\n") > 2 else "").split(". ")[0]
        index.append(f"| [{example.stem}]({example.stem}.md) | {first} |")
    files.append(File.generated(config, "gallery/index.md", content="\n".join(index) + "\n"))
    return files


def on_post_build(config) -> None:
    while _TMP:
        shutil.rmtree(_TMP.pop(), ignore_errors=True)
