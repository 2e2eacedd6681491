"""``iadsim serve``: a local web application to edit a scenario on a map and run it.

:func:`iadsim.serve.app.create_app` builds the FastAPI application over one
:class:`iadsim.serve.session.Session` (the scenario being edited, the DEM and the coverage
tables cached in the process, the background runs). :mod:`iadsim.serve.security` is the ASGI
middleware that every request passes (token, Host/Origin, body size, headers).
See docs/serve.md.
"""
