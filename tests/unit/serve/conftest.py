"""A Session over a copy of the Al Asad example in a temporary folder (saves land there),
shared by the serve tests (each test puts back what it moves: loading the DEM and catalog
once saves a few seconds a module)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "iraq-2020-al-asad.yaml"


@pytest.fixture(scope="session")
def folder(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("serve")
    shutil.copy(EXAMPLE, d / "al-asad.yaml")
    return d


@pytest.fixture(scope="session")
def session(folder):
    from iadsim.serve.session import Session

    return Session(folder / "al-asad.yaml")


@pytest.fixture(scope="session")
def client(session):
    from fastapi.testclient import TestClient

    from iadsim.serve.app import create_app

    # no background warming of engine tables: the tests time nothing and share 2 cores
    app = create_app(session, "s3cret-token", ["testserver"], workers=1, warm_engine=False)
    with TestClient(app, raise_server_exceptions=False) as c:
        c.headers["X-Iadsim-Token"] = "s3cret-token"
        yield c
