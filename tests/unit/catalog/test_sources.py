"""Every catalog source is a real source: no shop, forum or content farm, and no unreviewed host.

The host lists live in ``src/iadsim/catalog/data/sources.yaml`` (denied hosts with the reason,
reviewed hosts with their kind); the record of what was replaced is
``docs/reference/source-review.md``. A new source host fails here until a person has reviewed
it and added it to ``reviewed``.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from ruamel.yaml import YAML

from iadsim.catalog import load_catalog
from iadsim.catalog.present import iter_figures

ROOT = Path(__file__).resolve().parents[3]
DATA = ROOT / "src" / "iadsim" / "catalog" / "data"
HOSTS = YAML(typ="safe").load((DATA / "sources.yaml").read_text(encoding="utf-8"))
DENIED: dict[str, str] = HOSTS["denied"]
REVIEWED: dict[str, str] = HOSTS["reviewed"]
KINDS = {"government", "manufacturer", "state-media", "think-tank", "press", "trade-press"}

SOURCES = [
    (entry.name, path, url)
    for entry in load_catalog()
    for path, fig in iter_figures(entry)
    for url in fig.sources
]


def _host(url: str) -> str:
    host = urlsplit(url).hostname or ""
    return host.removeprefix("www.")


def _matches(host: str, listed: str) -> bool:
    """``host`` is ``listed`` or one of its subdomains (``x.blogspot.com`` -> ``blogspot.com``)."""
    return host == listed or host.endswith("." + listed)


def denied_reason(url: str) -> str | None:
    """Why ``url`` is not a source, or None. A denied host anywhere in the URL counts too."""
    host = _host(url)
    for listed, reason in DENIED.items():
        if _matches(host, listed) or re.search(rf"(^|[/.]){re.escape(listed)}($|[/?#])", url):
            return f"{listed}: {reason}"
    return None


def reviewed_kind(url: str) -> str | None:
    host = _host(url)
    for listed, kind in REVIEWED.items():
        if _matches(host, listed):
            return kind
    return None


def test_the_catalog_has_sources_to_check():
    assert len(SOURCES) > 100


def test_no_source_is_a_denied_host():
    bad = [f"{e}: {p}: {u} ({r})" for e, p, u in SOURCES if (r := denied_reason(u))]
    assert not bad, "non-sources cited:\n" + "\n".join(bad)


def test_every_source_host_was_reviewed():
    unknown = sorted({f"{_host(u)} ({e}: {p})" for e, p, u in SOURCES if not reviewed_kind(u)})
    assert not unknown, (
        "source hosts not reviewed (add them to catalog/data/sources.yaml `reviewed` with "
        "their kind, or replace them):\n" + "\n".join(unknown)
    )


def test_every_reviewed_host_is_still_cited():
    # The list is maintained, not accumulated: a host nothing cites any more is removed.
    cited = {_host(u) for _, _, u in SOURCES}
    stale = [h for h in REVIEWED if not any(_matches(c, h) for c in cited)]
    assert not stale, f"reviewed hosts no longer cited: {stale}"


def test_review_kinds_are_known_and_lists_disjoint():
    assert set(REVIEWED.values()) <= KINDS, set(REVIEWED.values()) - KINDS
    both = [h for h in REVIEWED if any(_matches(h, d) or _matches(d, h) for d in DENIED)]
    assert not both, f"hosts both denied and reviewed: {both}"
    assert all(reason.strip() for reason in DENIED.values())


@pytest.mark.parametrize(
    "url",
    [
        # The five non-sources named in issue 10 (A7) must stay caught by the filter.
        "https://secure.simmarket.com/turbine-sound-studios-f-16-pw-f100-soundpack-(de_2785).phtml",
        "http://storage.zcubes.com/ZSave/ZFolders/A96FEE92C8B740BCA4230CE4CE930E0E/F16.html",
        "https://www.edrotacultural.com.br/f-35-fica-baratinho/",
        "https://the-fringe.com/archive/index.php/thread-37317.html",
        "https://tribune.com.pk/story/942851/ajax.googleapis.com",
        "https://militerysindonesia.blogspot.com/2017/06/x.html",
        "https://en.wikipedia.org/wiki/Burkan-1",
    ],
)
def test_the_filter_rejects_known_non_sources(url):
    assert denied_reason(url) is not None


@pytest.mark.parametrize(
    "url",
    [
        "https://tribune.com.pk/story/942851/iran-unveils-new-short-range-ballistic-missile",
        "https://missilethreat.csis.org/turkey-russia-sign-deal-s-400-purchase/",
        "https://www.af.mil/About-Us/Fact-Sheets/Display/Article/104505/f-16-fighting-falcon/",
    ],
)
def test_the_filter_accepts_real_sources(url):
    assert denied_reason(url) is None
    assert reviewed_kind(url) in KINDS


@pytest.mark.parametrize(("entry", "path", "url"), SOURCES, ids=lambda x: str(x)[:60])
def test_source_links_a_page_not_a_home_page(entry, path, url):
    parts = urlsplit(url)
    assert parts.scheme in ("http", "https") and parts.hostname
    assert not re.search(r"\s", url)
    assert parts.path.strip("/") or parts.query, f"{entry}: {path}: {url} is a home page"


def test_references_to_the_shipped_reference_material_resolve():
    # A8: catalog files, docs and examples name the reference material by a repository path
    # that exists (the examples' headers quote the public record from it).
    texts = list(DATA.rglob("*.yaml")) + list((ROOT / "docs").glob("catalog*.md"))
    texts += list((ROOT / "examples").rglob("*.yaml"))
    for name in ("public-figures.md", "raids-ew-tracking-planning.md"):
        assert (ROOT / "docs" / "reference" / name).is_file()
    for path in texts:
        text = path.read_text(encoding="utf-8")
        assert "/work/shared" not in text, f"{path} points outside the repository"
        for ref in re.findall(r"[\w./-]*/(?:public-figures|raids-ew-tracking-planning)\.md", text):
            assert ref.startswith("docs/reference/"), f"{path}: dangling '{ref}'"
