"""What every part of the report shares: colours, and the results directory as data.

:func:`load_results` reads a results directory written by ``iadsim run`` (``scenario.yaml``
plus one sub-directory per variant, see ``docs/results.md``) into :class:`ResultsData`; the
map features (:mod:`iadsim.report.features`), the exports (:mod:`iadsim.report.exports`), the
figures (:mod:`iadsim.report.figures`) and the HTML page (:mod:`iadsim.report.html`) all start
from it, and draw with the colours defined here so that every output agrees.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import pandas as pd

from iadsim.atomic import atomic_path

__all__ = [
    "ASSET_COLOR",
    "BAND_COLORS",
    "EVENT_STYLES",
    "FATE_COLORS",
    "FIRE_UNIT_COLOR",
    "LAUNCH_COLOR",
    "RADAR_COLOR",
    "RING_COLOR",
    "ResultsData",
    "VariantData",
    "atomic_write",
    "load_results",
    "variant_colors",
]

# ----------------------------------------------------------------------------------- colours
#: Colours of threat fates (ColorBrewer RdYlGn ends, grey).
FATE_COLORS = {"killed": "#1a9850", "leaked": "#d73027", "failed": "#7f7f7f"}
#: Colours of the coverage altitude bands (viridis samples, low = yellow). [m AGL]
BAND_COLORS = {30.0: "#fde725", 100.0: "#5ec962", 300.0: "#21918c", 1000.0: "#3b528b"}
ASSET_COLOR = "#2166ac"
FIRE_UNIT_COLOR = "#111111"
RING_COLOR = "#4575b4"
RADAR_COLOR = "#984ea3"
LAUNCH_COLOR = "#b35806"

#: How timeline events are drawn: label, marker (matplotlib), plotly symbol, colour.
EVENT_STYLES = {
    "track": ("track confirmed", "D", "diamond-open", "#984ea3"),
    "launch": ("interceptor launch", "^", "triangle-up", "#2166ac"),
    "miss": ("miss", "o", "circle-open", "#fdae61"),
    "kill": ("kill", "X", "x", FATE_COLORS["killed"]),
    "leak": ("impact (leaker)", "o", "circle", FATE_COLORS["leaked"]),
    "failed": ("in-flight failure", "s", "square", FATE_COLORS["failed"]),
}

#: Colours of variants, in the scenario's order: ColorBrewer Dark2 (8), then four dark Paired
#: colours, so the eight options of ``docs/the-question.md`` and more stay apart.
VARIANT_PALETTE = (
    "#1b9e77",
    "#d95f02",
    "#7570b3",
    "#e7298a",
    "#66a61e",
    "#e6ab02",
    "#a6761d",
    "#666666",
    "#1f78b4",
    "#6a3d9a",
    "#b15928",
    "#fb9a99",
)


def variant_colors(results: ResultsData) -> dict[str, str]:
    """A colour per variant, the same in the HTML plots and the matplotlib figures."""
    return {
        v.name: VARIANT_PALETTE[i % len(VARIANT_PALETTE)] for i, v in enumerate(results.variants)
    }


#: Default k-factor of the effective earth radius (standard refraction). [-]
DEFAULT_K_FACTOR = 4.0 / 3.0


# ----------------------------------------------------------------------------------- loading
def load_plain_yaml(text: str):
    """Parse YAML text into plain dicts and lists (None if it does not parse)."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    try:
        return YAML(typ="safe", pure=True).load(text)
    except YAMLError:
        return None


@dataclass(frozen=True, eq=False)
class VariantData:
    """The files of one variant's results directory.

    Attributes
    ----------
    name : str
        Variant name.
    directory : Path
        The variant's results directory.
    meta : dict
        ``run.json`` (scenario, replications, seed, assets, fire_units, radars, costs).
    threats, fire_units, tracks, timeline : DataFrame
        ``threats.parquet``, ``fire_units.parquet``, ``tracks.parquet`` and ``timeline.parquet``
        (the last two empty if absent).
    """

    name: str
    directory: Path
    meta: dict
    threats: pd.DataFrame
    fire_units: pd.DataFrame
    tracks: pd.DataFrame
    timeline: pd.DataFrame

    @classmethod
    def load(cls, directory: str | Path) -> VariantData:
        """Read a variant directory (``run.json`` and the Parquet files)."""
        d = Path(directory)
        meta = json.loads((d / "run.json").read_text(encoding="utf-8"))

        def read(name: str) -> pd.DataFrame:
            path = d / f"{name}.parquet"
            return pd.read_parquet(path) if path.exists() else pd.DataFrame()

        return cls(
            name=str(meta.get("variant", d.name)),
            directory=d,
            meta=meta,
            threats=read("threats"),
            fire_units=read("fire_units"),
            tracks=read("tracks"),
            timeline=read("timeline"),
        )

    @property
    def replications(self) -> int:
        return int(self.meta["replications"])

    @property
    def assets(self) -> list[dict]:
        return list(self.meta.get("assets", []))

    @property
    def fire_unit_sites(self) -> list[dict]:
        """Fire units with positions (``run.json``'s site list; names only in old files)."""
        return [f for f in self.meta.get("fire_units", []) if isinstance(f, dict)]

    @property
    def radars(self) -> list[dict]:
        return list(self.meta.get("radars", []))

    @cached_property
    def summary(self) -> dict:
        """:func:`iadsim.analysis.summary.summarize` of this variant."""
        from iadsim.analysis.summary import summarize

        return summarize(self.directory)

    @cached_property
    def replication0(self) -> pd.DataFrame:
        """Rows of replication 0, one per threat, in threat order."""
        t = self.threats
        if t.empty:
            return t
        return t[t["replication"] == 0].sort_values("threat").reset_index(drop=True)


@dataclass(frozen=True, eq=False)
class ResultsData:
    """A results directory: the scenario as run and every variant's data."""

    directory: Path
    scenario_name: str
    scenario_yaml: str | None
    variants: list[VariantData]

    @cached_property
    def scenario(self) -> dict:
        """The scenario as a plain dict (empty if ``scenario.yaml`` is missing)."""
        if not self.scenario_yaml:
            return {}
        data = load_plain_yaml(self.scenario_yaml)
        return data if isinstance(data, dict) else {}

    @cached_property
    def catalog(self):
        """The catalog as the run used it: packaged entries plus the scenario's own entries and
        overrides (the packaged catalog alone if the scenario cannot be re-read)."""
        from iadsim.catalog import load_catalog
        from iadsim.errors import InputError
        from iadsim.scenario.loader import parse_scenario
        from iadsim.yamlio import read_yaml

        if self.scenario_yaml:
            path = self.directory / "scenario.yaml"
            try:
                scenario = parse_scenario(read_yaml(path, self.scenario_yaml), path)
                return scenario.effective_catalog
            except InputError:
                pass
        return load_catalog()

    @property
    def k_factor(self) -> float:
        prop = self.scenario.get("propagation") or {}
        return float(prop.get("k_factor", DEFAULT_K_FACTOR))


def load_results(results_dir: str | Path) -> ResultsData:
    """Read a results directory written by ``iadsim run`` (or a single variant directory).

    Variants come in the scenario's order when ``scenario.yaml`` is present, else by name.
    """
    base = Path(results_dir)
    if not base.is_dir():
        raise FileNotFoundError(f"no results directory at {base}")
    if (base / "run.json").exists():
        dirs = [base]
        yaml_path = base.parent / "scenario.yaml"
    else:
        dirs = sorted(p for p in base.iterdir() if p.is_dir() and (p / "run.json").exists())
        yaml_path = base / "scenario.yaml"
    if not dirs:
        raise FileNotFoundError(f"no variant results (run.json) under {base}")
    yaml_text = yaml_path.read_text(encoding="utf-8") if yaml_path.exists() else None
    variants = [VariantData.load(d) for d in dirs]
    order = []
    if yaml_text:
        spec = load_plain_yaml(yaml_text)
        if isinstance(spec, dict):
            order = [v.get("name") for v in spec.get("variants") or [] if isinstance(v, dict)]
    rank = {name: i for i, name in enumerate(order)}
    variants.sort(key=lambda v: (rank.get(v.name, len(rank)), v.name))
    return ResultsData(base, str(variants[0].meta.get("scenario", base.name)), yaml_text, variants)


def atomic_write(path: Path, write) -> Path:
    """Call ``write(tmp_path)`` then move the temporary file onto ``path``."""
    with atomic_path(path) as tmp:
        write(str(tmp))
    return Path(path)
