"""The FastAPI application of ``iadsim serve`` (routes; the guard is :mod:`.security`).

Routes (all behind the token, Host and Origin checks):

- ``GET /``: the page; ``GET /static/NAME``: its script, style and the vendored Leaflet, from
  a fixed list of packaged files (no client text reaches a file path);
- ``GET /api/state``: the scenario as edited, the catalog's choices, borders and relief;
- ``GET /api/coverage?variant=&altitude_m=``: the variant's terrain coverage at one band;
- ``POST /api/edit``: move, set a field, add from the catalog, remove (422 with the field's
  ``FILE:LINE:COL: field: message`` when the schema refuses it);
- ``POST /api/run``, ``GET /api/run/ID/events`` (server-sent events), ``GET /api/run/ID``,
  ``POST /api/run/ID/cancel``: background runs;
- ``POST /api/optimise``, ``GET /api/optimise/ID``, ``POST /api/optimise/ID/apply``: the
  planner (:mod:`.optimise`) for the variant's fire units, its suggestion, and moving the
  units there (409 if the layout was edited since);
- ``POST /api/save``: write the edited scenario next to the original (409 if it exists and
  ``overwrite`` is not set; 400 for a name that is not a plain file name).
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import json
import logging
import threading
from importlib import resources
from typing import Any, Literal

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from iadsim.errors import InputError
from iadsim.serve.jobs import Runner
from iadsim.serve.optimise import Optimiser, default_threat
from iadsim.serve.security import Guard
from iadsim.serve.session import EditError, SaveExists, Session

log = logging.getLogger("iadsim.serve")

#: The packaged files the page may load: URL name -> (package, path parts, media type).
STATIC = {
    "app.js": ("iadsim.serve", ("static", "app.js"), "text/javascript"),
    "app.css": ("iadsim.serve", ("static", "app.css"), "text/css"),
    "leaflet.js": ("iadsim.report", ("vendor", "leaflet", "leaflet.js"), "text/javascript"),
    "leaflet.css": ("iadsim.report", ("vendor", "leaflet", "leaflet.css"), "text/css"),
    "images/layers.png": (
        "iadsim.report",
        ("vendor", "leaflet", "images", "layers.png"),
        "image/png",
    ),
    "images/marker-icon.png": (
        "iadsim.report",
        ("vendor", "leaflet", "images", "marker-icon.png"),
        "image/png",
    ),
    "images/layers-2x.png": (
        "iadsim.report",
        ("vendor", "leaflet", "images", "layers-2x.png"),
        "image/png",
    ),
}


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Edit(_Body):
    op: Literal["move", "set", "add", "remove"]
    kind: Literal["fire_units", "sensors"]
    name: str | None = Field(None, max_length=64)
    field: str | None = Field(None, max_length=64)
    value: Any = None
    lat: float | None = Field(None, ge=-90, le=90)
    lon: float | None = Field(None, ge=-180, le=180)
    system: str | None = Field(None, max_length=64)
    radar: str | None = Field(None, max_length=64)
    variant: str | None = Field(None, max_length=64)


class RunRequest(_Body):
    variant: str | None = Field(None, max_length=64)
    replications: int = Field(1000, ge=1, le=100_000)


class OptimiseRequest(_Body):
    variant: str | None = Field(None, max_length=64)
    threat: str | None = Field(None, max_length=64)
    spacing_km: float = Field(50.0, ge=5.0, le=500.0)
    reach_km: float = Field(150.0, ge=10.0, le=1000.0)


class SaveRequest(_Body):
    name: str = Field(max_length=200)
    overwrite: bool = False


def _problems(exc: InputError) -> list[dict]:
    return [{"field": p.field_path, "message": p.message, "text": p.format()} for p in exc.problems]


def _resource_bytes(name: str) -> tuple[bytes, str] | None:
    entry = STATIC.get(name)
    if entry is None:
        return None
    package, parts, media = entry
    return resources.files(package).joinpath(*parts).read_bytes(), media


def create_app(
    session: Session,
    token: str,
    hosts: list[str],
    workers: int | None = None,
    warm_engine: bool = False,
):
    """The application over ``session``, guarded by ``token`` for ``hosts`` (Host values).

    ``workers`` are the processes of a run; with ``warm_engine`` a coverage redraw also
    starts the engine's tables of the variant in the background (see
    :meth:`Session.warm_engine`)."""
    from iadsim.report.coverage import load_borders
    from iadsim.report.hillshade import hillshade_overlay

    runner = Runner(session, workers=workers)
    # the paired difference's module imports DuckDB, pandas and SciPy's stats (about 1 s of
    # CPU): imported while the user looks at the map, not when the second Run ends
    threading.Thread(
        target=importlib.import_module, args=("iadsim.analysis.compare",), daemon=True
    ).start()
    optimiser = Optimiser(session, runner)

    @contextlib.asynccontextmanager
    async def lifespan(_app):
        yield
        runner.close()  # cancel a run still going and remove the temporary results

    app = FastAPI(
        title="iadsim serve", docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan
    )
    app.state.session = session
    app.state.runner = runner
    app.state.optimiser = optimiser
    app.state.warm_engine = warm_engine
    cached: dict[str, Any] = {}

    @app.exception_handler(Exception)
    async def _internal(request: Request, exc: Exception):
        # logged on the server's terminal; the client gets one line, never a traceback
        log.error("internal error on %s: %s", request.url.path, type(exc).__name__)
        return JSONResponse({"error": "internal error (see the server's terminal)"}, 500)

    @app.exception_handler(RequestValidationError)
    async def _bad_request(request: Request, exc: RequestValidationError):
        errors = [
            {"field": ".".join(str(p) for p in e.get("loc", ())[1:]), "message": e.get("msg", "")}
            for e in exc.errors()
        ]
        return JSONResponse({"error": "bad request", "errors": errors}, 422)

    @app.get("/")
    def page() -> Response:
        html = resources.files("iadsim.serve").joinpath("static", "index.html").read_bytes()
        return Response(html, media_type="text/html; charset=utf-8")

    @app.get("/favicon.ico")
    def favicon() -> Response:
        return Response(status_code=204)  # browsers ask for one; there is none

    @app.get("/static/{name:path}")
    def static(name: str) -> Response:
        found = _resource_bytes(name)
        if found is None:
            return JSONResponse({"error": "not found"}, 404)
        return Response(found[0], media_type=found[1])

    def state() -> dict:
        s = session.scenario
        cat = session.catalog
        if "relief" not in cached:
            cached["borders"] = load_borders()
            cached["relief"] = None
            if session.dem is not None:
                pts = (
                    [(a.lat, a.lon) for a in s.assets]
                    + [(p.lat, p.lon) for r in s.raids for p in r.launch_points]
                    + [(f.lat, f.lon) for f in s.fire_units]
                )
                lats, lons = [p[0] for p in pts], [p[1] for p in pts]
                box = (min(lons) - 4, min(lats) - 4, max(lons) + 4, max(lats) + 4)
                cached["relief"] = hillshade_overlay(session.dem, box)
        aims = {a.name: (a.lat, a.lon) for a in s.assets}
        raids = []
        for r in s.raids:
            aim = aims.get(r.aim) if isinstance(r.aim, str) else (r.aim.lat, r.aim.lon)
            raids.append(
                {
                    "name": r.name,
                    "threat": r.threat,
                    "count": r.count,
                    "launch_points": [[p.lat, p.lon] for p in r.launch_points],
                    "aim": aim,
                }
            )
        return {
            "scenario": s.name,
            "file": session.path.name,
            "revision": session.revision,
            "variants": [
                {"name": v, "fire_units": s.variant(v).fire_units, "sensors": s.variant(v).sensors}
                for v in s.variant_names()
            ],
            "replications": s.monte_carlo.replications,
            "threats": sorted({r.threat for r in s.raids}),
            "default_threat": default_threat(s),
            "seed": s.monte_carlo.seed,
            "altitudes_m": session.default_altitudes(),
            "assets": [a.model_dump(mode="json") for a in s.assets],
            "fire_units": [f.model_dump(mode="json") for f in s.fire_units],
            "sensors": [x.model_dump(mode="json") for x in s.sensors],
            "raids": raids,
            "catalog": {
                name: {
                    "interceptors": list(e.interceptors),
                    "radars": list(e.radars),
                    "fire_control_radar": e.fire_unit.fire_control_radar,
                }
                for name, e in sorted(cat.systems.items())
            },
            "borders": cached["borders"],
            "relief": cached["relief"],
        }

    @app.get("/api/state")
    def get_state() -> dict:
        with session.lock:
            return state()

    @app.get("/api/coverage")
    def coverage(altitude_m: float = 100.0, variant: str | None = None):
        if not (0 < altitude_m <= 100_000):
            return JSONResponse(
                {"errors": [{"field": "altitude_m", "message": "a height from 0 to 100 km"}]}, 422
            )
        try:
            result = session.coverage(variant, altitude_m)
        except KeyError:
            return JSONResponse(
                {"errors": [{"field": "variant", "message": f"unknown variant {variant!r}"}]}, 422
            )
        if app.state.warm_engine and not runner.busy():
            # the engine's own tables for a Run, while the user looks at the new coverage
            threading.Thread(target=session.warm_engine, args=(variant,), daemon=True).start()
        return result

    @app.post("/api/edit")
    def edit(e: Edit):
        try:
            added = None
            if e.op == "move":
                if e.lat is None or e.lon is None or e.name is None:
                    raise EditError("a move needs name, lat and lon")
                session.move(e.kind, e.name, e.lat, e.lon)
            elif e.op == "set":
                if e.name is None or e.field is None:
                    raise EditError("a change needs name and field")
                session.set_field(e.kind, e.name, e.field, e.value)
            elif e.op == "add":
                if e.system is None or e.lat is None or e.lon is None:
                    raise EditError("an addition needs system, lat and lon")
                added = session.add(e.kind, e.system, e.lat, e.lon, e.variant, e.radar)
            else:
                if e.name is None:
                    raise EditError("a removal needs name")
                session.remove(e.kind, e.name)
        except InputError as exc:
            return JSONResponse(
                {"error": "the scenario schema refuses this edit", "errors": _problems(exc)}, 422
            )
        except EditError as exc:
            return JSONResponse(
                {"error": str(exc), "errors": [{"field": e.field or "", "message": str(exc)}]}, 400
            )
        return {"ok": True, "added": added, "revision": session.revision}

    @app.post("/api/run")
    def run(r: RunRequest):
        try:
            job = runner.start(r.variant, r.replications)
        except InputError as exc:
            return JSONResponse(
                {"error": exc.format(), "errors": _problems(exc)}, 409 if runner.busy() else 422
            )
        return job.status()

    def _job(job_id: str):
        job = runner.jobs.get(job_id)
        if job is None:
            return None, JSONResponse({"error": "no such run"}, 404)
        return job, None

    @app.get("/api/run/{job_id}")
    def run_status(job_id: str):
        job, missing = _job(job_id)
        if missing:
            return missing
        return {**job.status(), "result": job.result}

    @app.post("/api/run/{job_id}/cancel")
    def cancel(job_id: str):
        job, missing = _job(job_id)
        if missing:
            return missing
        job.cancel.set()
        return job.status()

    @app.get("/api/run/{job_id}/events")
    async def events(job_id: str, request: Request):
        job, missing = _job(job_id)
        if missing:
            return missing

        async def stream():
            last = None
            while True:
                status = job.status()
                if status != last:
                    yield f"event: progress\ndata: {json.dumps(status)}\n\n"
                    last = status
                if job.finished.is_set():
                    yield f"event: end\ndata: {json.dumps(job.status())}\n\n"
                    return
                if await request.is_disconnected():
                    return
                await asyncio.sleep(0.1)

        return StreamingResponse(stream(), media_type="text/event-stream")

    @app.post("/api/optimise")
    def optimise(o: OptimiseRequest):
        try:
            job = optimiser.start(o.variant, o.threat, o.spacing_km, o.reach_km)
        except InputError as exc:
            busy = optimiser.busy()
            return JSONResponse(
                {"error": exc.format(), "errors": _problems(exc)}, 409 if busy else 422
            )
        return job.status()

    @app.get("/api/optimise/{job_id}")
    def optimise_status(job_id: str):
        job = optimiser.jobs.get(job_id)
        if job is None:
            return JSONResponse({"error": "no such optimisation"}, 404)
        return job.status()

    @app.post("/api/optimise/{job_id}/apply")
    def optimise_apply(job_id: str):
        job = optimiser.jobs.get(job_id)
        if job is None or job.result is None:
            return JSONResponse({"error": "no finished optimisation with that id"}, 404)
        with session.lock:
            if session.revision != job.revision:
                return JSONResponse(
                    {"error": "the layout was edited after Optimise; optimise it again"}, 409
                )
            moves = [{"name": u["name"], "lat": u["to"][0], "lon": u["to"][1],
                      **{k: u[k] for k in ("sector_center_deg", "sector_width_deg") if k in u}}
                     for u in job.result["units"]]  # fmt: skip
            try:
                session.apply_moves(moves)
            except InputError as exc:
                return JSONResponse(
                    {"error": "the scenario schema refuses this layout", "errors": _problems(exc)},
                    422,
                )
            job.revision = session.revision  # applying twice is a no-op, not a refusal
        return {"ok": True, "moved": [m["name"] for m in moves], "revision": session.revision}

    @app.post("/api/save")
    def save(r: SaveRequest):
        try:
            path = session.save(r.name, r.overwrite)
        except EditError as exc:
            return JSONResponse(
                {"error": str(exc), "errors": [{"field": "name", "message": str(exc)}]}, 400
            )
        except SaveExists as exc:
            return JSONResponse(
                {"error": f"{exc} exists; confirm to overwrite it", "exists": True}, 409
            )
        return {"ok": True, "saved": path.name}

    return Guard(app, token, hosts)
