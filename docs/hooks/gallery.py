"""mkdocs hook: the gallery, generated at build time from examples/*.yaml (never pasted).

For each example scenario the hook runs the tool's commands, ``iadsim run`` then
``iadsim export`` (through the command line's own code, in two child processes), at a small
replication count so the build stays fast, and adds to the site one page with the scenario's description, the summary the command printed, the figures
it wrote and the scenario file itself. Figures and numbers therefore always match the code
that built the site. Set ``IADSIM_GALLERY_REPLICATIONS`` to change the count.
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
FIGURES = ["p-leak.png", "leakers.png", "shots.png"]  # across variants; then per-variant maps
WIDE = {"COLUMNS": "110", "NO_COLOR": "1", "TERM": "dumb"}  # tables unwrapped, plain text
_TMP: list[Path] = []


def scenario_examples() -> list[Path]:
    """The example scenarios (``plan-*.yaml`` are inputs of ``iadsim plan``, not scenarios)."""
    return sorted(p for p in EXAMPLES.glob("*.yaml") if not p.name.startswith("plan-"))


def _render(examples: list[Path], out: Path) -> None:
    """Run ``iadsim run`` and ``iadsim export`` on each example in this process, through the
    command line's own code (typer's runner): one start-up and one catalog load for several
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
        exported = runner.invoke(app, ["export", str(dest), "--out", str(dest / "exports")])
        if exported.exit_code != 0:
            raise RuntimeError(f"iadsim export {dest} failed:\n{exported.output}")
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


def _page(example: Path, out: Path) -> tuple[str, list[Path]]:
    name, description = _title(example)
    summary = (out / "summary.txt").read_text(encoding="utf-8")
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
    examples = scenario_examples()
    _render_all(examples, tmp)
    pages = [_page(e, tmp / e.stem) for e in examples]
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


if __name__ == "__main__":  # a child of _render_all: OUT EXAMPLE...
    _render(list(map(Path, sys.argv[2:])), Path(sys.argv[1]))
