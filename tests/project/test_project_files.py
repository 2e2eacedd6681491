"""The files that let others use, cite and carry on the project: licence, notice, citation,
changelog, and one version everywhere (pyproject takes it from ``iadsim.__version__``)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from cffconvert import Citation
from ruamel.yaml import YAML
from typer.testing import CliRunner

import iadsim
from iadsim.cli import app

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "src" / "iadsim"


def test_license_is_the_full_apache_2_text():
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert "Apache License" in text and "Version 2.0, January 2004" in text
    # all nine sections of the terms, not a one-line pointer to them
    for n, title in enumerate(
        [
            "Definitions",
            "Grant of Copyright License",
            "Grant of Patent License",
            "Redistribution",
            "Submission of Contributions",
            "Trademarks",
            "Disclaimer of Warranty",
            "Limitation of Liability",
            "Accepting Warranty or Additional Liability",
        ],
        start=1,
    ):
        assert re.search(rf"^\s*{n}\. {title}\.", text, re.M), title
    assert "END OF TERMS AND CONDITIONS" in text
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert meta["license"] == "Apache-2.0"


def test_notice_names_every_vendored_and_data_file():
    """Every third-party file shipped in the package is named in NOTICE, with its terms."""
    notice = (ROOT / "NOTICE").read_text(encoding="utf-8")
    shipped = [
        p
        for d in (PACKAGE / "report" / "vendor", PACKAGE / "terrain" / "data")
        for p in d.rglob("*")
        if p.is_file() and p.suffix != ".md"
    ]
    assert shipped
    for path in shipped:
        rel = path.relative_to(ROOT).as_posix()
        # a file is covered when it, or a folder holding it, is named
        parents = [rel, *(p.as_posix() + "/" for p in Path(rel).parents)]
        assert any(name in notice for name in parents if name != "./"), rel
    for terms in ("public domain", "BSD 2-Clause", "MIT"):
        assert terms in notice
    assert "plotly.js" in notice and "Leaflet" in notice


def test_citation_cff_is_valid_and_carries_the_version():
    text = (ROOT / "CITATION.cff").read_text(encoding="utf-8")
    Citation(text).validate()  # raises on a schema violation
    data = YAML(typ="safe").load(text)
    assert str(data["version"]) == iadsim.__version__
    assert data["license"] == "Apache-2.0"


def test_citation_validation_rejects_a_bad_file():
    """The check above can fail: an unknown key breaks the CFF 1.2.0 schema."""
    text = (ROOT / "CITATION.cff").read_text(encoding="utf-8")
    with pytest.raises(Exception, match=r"not valid|Additional properties"):
        Citation(text + "no_such_key: 1\n").validate()


def test_changelog_follows_keep_a_changelog_and_has_this_version():
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert "keepachangelog.com" in text
    heads = re.findall(r"^## \[([^\]]+)\](?: - (\d{4}-\d{2}-\d{2}))?$", text, re.M)
    assert heads[0] == ("Unreleased", "")
    released = {v: d for v, d in heads[1:]}
    assert released.get(iadsim.__version__)  # listed, with a date
    for section in re.findall(r"^### (\w+)$", text, re.M):
        assert section in {"Added", "Changed", "Deprecated", "Removed", "Fixed", "Security"}


def test_version_has_one_source():
    meta = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "version" not in meta["project"] and "version" in meta["project"]["dynamic"]
    assert meta["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "iadsim.__version__"}
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"iadsim {iadsim.__version__}"
