"""The parsed-catalog cache: a hit gives the same entry as a full parse, and a file with an
error still gets its FILE:LINE:COL message whatever the cache holds."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from iadsim.catalog import loader
from iadsim.errors import InputError

SYSTEM = Path(loader.__file__).parent / "data" / "systems" / "tor-m2.yaml"


def test_hit_equals_full_parse(tmp_path, monkeypatch):
    monkeypatch.setenv("IADSIM_CACHE_DIR", str(tmp_path / "cache"))
    first = loader.load_entry(SYSTEM, "system")
    assert len(list((tmp_path / "cache" / "yaml").glob("*.json"))) == 1
    calls = []
    monkeypatch.setattr(loader, "read_yaml", lambda *a, **k: calls.append(a))
    monkeypatch.setattr("iadsim.yamlio.read_yaml", lambda *a, **k: calls.append(a))
    second = loader.load_entry(SYSTEM, "system")  # no parse at all
    assert not calls and second == first


def test_errors_keep_their_position_and_corrupt_entries_are_ignored(tmp_path, monkeypatch):
    monkeypatch.setenv("IADSIM_CACHE_DIR", str(tmp_path / "cache"))
    path = tmp_path / "tor-m2.yaml"
    shutil.copy(SYSTEM, path)
    loader.load_entry(path, "system")
    (entry,) = (tmp_path / "cache" / "yaml").glob("*.json")
    entry.write_text("{not json")
    assert loader.load_entry(path, "system").name == "tor-m2"
    text = path.read_text().replace("kind: system", "kind: system\nbogus_field: 1", 1)
    path.write_text(text)
    with pytest.raises(InputError) as err:
        loader.load_entry(path, "system")
    assert "bogus_field" in str(err.value) and "tor-m2.yaml:" in str(err.value)


def test_off_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("IADSIM_CACHE_DIR", "off")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    loader.load_entry(SYSTEM, "system")
    assert not any(tmp_path.rglob("*.json"))
