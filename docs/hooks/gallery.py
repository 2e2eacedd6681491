"""mkdocs hook: the gallery, generated at build time from examples/*.yaml (never pasted).

For each example scenario the hook runs ``iadsim run`` (through the command line's own code, in
two child processes) at a small replication count, then draws the PNG figures ``iadsim export``
writes, with the same functions (:func:`iadsim.report.figures.write_figures` over the variants'
map features), and adds to the site one page with the scenario's description, the summary the
command printed, the figures and the scenario file itself. Figures and numbers therefore always
match the code that built the site. Set ``IADSIM_GALLERY_REPLICATIONS`` to change the count.

Why not ``iadsim export`` itself: it also writes SVG, GeoJSON, KML, KMZ and CZML, which the
gallery does not show and which took about half the gallery's time (profiled on the Al Asad
example: export 11 s of CPU, run 5 s). The replication count matters little: most of a run's
time is imports, terrain tables and the summary, not the replications.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from mkdocs.structure.files import File, Files

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
REPLICATIONS = int(os.environ.get("IADSIM_GALLERY_REPLICATIONS", "100"))
FIGURES = ["p-leak.png", "leakers.png", "shots.png"]  # across variants; then maps, timelines
# plain text, and wide enough that no table cell is cut: at 110 columns the run summary's
# widest table (leakage three ways, 161 characters) lost its first column and its intervals
WIDE = {"COLUMNS": "170", "NO_COLOR": "1", "TERM": "dumb"}
_TMP: list[Path] = []


def scenario_examples() -> list[Path]:
    """The example scenarios (``plan-*.yaml`` are inputs of ``iadsim plan``, not scenarios)."""
    return sorted(p for p in EXAMPLES.glob("*.yaml") if not p.name.startswith("plan-"))


def _figures(results_dir: Path, out: Path) -> None:
    """The PNG figures of ``iadsim export``, drawn as it draws them (one DEM and one coverage
    cache shared by the variants, as in :func:`iadsim.report.exports.write_exports`)."""
    from iadsim.report.data import load_results
    from iadsim.report.features import variant_features
    from iadsim.report.figures import write_figures
    from iadsim.terrain import Dem

    results = load_results(results_dir)
    dem = Dem.default() if any(v.radars for v in results.variants) else None
    cache: dict = {}
    collections = {
        v.name: variant_features(results, v, dem=dem, cache=cache) for v in results.variants
    }
    write_figures(results, out, collections=collections, formats=("png",))


def _render(examples: list[Path], out: Path) -> None:
    """Run ``iadsim run`` on each example in this process, through the command line's own code
    (typer's runner), then draw its figures: one start-up and one catalog load for several
    examples. Each example's printed summary goes to ``out/<stem>/summary.txt``."""
    from typer.testing import CliRunner

    from iadsim.cli import app

    runner = CliRunner()
    for example in examples:
        dest = out / example.stem
        args = ["run", str(example), "-n", str(REPLICATIONS), "--workers", "1", "-q"]
        ran = runner.invoke(app, [*args, "--out", str(dest)], env=WIDE)
        if ran.exit_code != 0:
            raise RuntimeError(f"iadsim run {example} failed:\n{ran.output}")
        _figures(dest, dest / "figures")
        (dest / "summary.txt").write_text(ran.stdout, encoding="utf-8")


def _render_all(examples: list[Path], out: Path) -> None:
    """Two child processes (the CI machine has two cores), each rendering half the examples."""
    env = {**os.environ, **WIDE}
    halves = [examples[0::2], examples[1::2]]
    children = [
        subprocess.Popen(
            [sys.executable, __file__, str(out), *map(str, half)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for half in halves
        if half
    ]
    for child in children:
        _, stderr = child.communicate()
        if child.returncode != 0:
            raise RuntimeError(f"gallery rendering failed:\n{stderr[-4000:]}")


def _title(path: Path) -> tuple[str, str]:
    from iadsim.scenario import load_scenario

    scenario = load_scenario(path)
    return scenario.name, scenario.description.strip()


def _page(example: Path, out: Path) -> tuple[str, list[Path], str]:
    """The example's page, its figures, and its description's first sentence (for the index)."""
    name, description = _title(example)
    summary = (out / "summary.txt").read_text(encoding="utf-8")
    figures_dir = out / "figures"
    figures = [figures_dir / f for f in FIGURES if (figures_dir / f).exists()]
    figures += sorted(p for p in figures_dir.glob("*-map.png"))
    figures += sorted(p for p in figures_dir.glob("*-timeline.png"))  # replication 0
    rel = f"examples/{example.name}"
    lines = [
        "---",  # the summary's tables are wide: the page gives them the whole width
        "hide:",
        "  - navigation",
        "  - toc",
        "---",
        "",
        f"# {name}",
        "",
        "[All examples](index.md)",  # the page hides the navigation
        "",
        description or "(no description)",
        "",
        f"Scenario file: `{rel}`. Generated when this site was built, by",
        "",
        "```sh",
        f"iadsim run {rel} -n {REPLICATIONS} --workers 1 --out out/{example.stem}",
        f"iadsim export out/{example.stem}   # the figures below are its PNGs",
        "```",
        "",
        f"{REPLICATIONS} replications only, to keep the build fast: intervals are wide; run "
        "10,000 or more for figures you quote.",
        "",
        "## Summary",
        "",
        "```text",
        "\n".join(line.rstrip() for line in summary.rstrip().splitlines()),
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
    first = " ".join(description.split()).split(". ")[0].replace("|", "/")
    return "\n".join(lines), figures, first


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
    examples = scenario_examples()
    _render_all(examples, tmp)
    pages = [_page(e, tmp / e.stem) for e in examples]
    for example, (content, figures, first) in zip(examples, pages, strict=True):
        files.append(File.generated(config, f"gallery/{example.stem}.md", content=content))
        for fig in figures:
            files.append(
                File.generated(config, f"gallery/{example.stem}/{fig.name}", abs_src_path=str(fig))
            )
        index.append(f"| [{example.stem}]({example.stem}.md) | {first} |")
    files.append(File.generated(config, "gallery/index.md", content="\n".join(index) + "\n"))
    return files


def on_post_build(config) -> None:
    while _TMP:
        shutil.rmtree(_TMP.pop(), ignore_errors=True)


if __name__ == "__main__":  # a child of _render_all: OUT EXAMPLE...
    _render(list(map(Path, sys.argv[2:])), Path(sys.argv[1]))
