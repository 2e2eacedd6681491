"""``iadsim serve SCENARIO.yaml``: the interactive planner in the browser (docs/serve.md).

Registered on the main app by :func:`register`; FastAPI and uvicorn are imported inside the
command, so ``iadsim --help`` stays light.
"""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Annotated

import typer

from iadsim.errors import InputError

LOOPBACK = "127.0.0.1"


def served_hosts(host: str, port: int) -> list[str]:
    """The ``Host`` header values the server answers to: the bound address (and ``localhost``
    for 127.0.0.1); for a wildcard bind (0.0.0.0, ::) also this machine's names and addresses,
    the names other machines reach it by. Any other name is a DNS-rebinding page."""
    import socket

    names = {host}
    if host == LOOPBACK:
        names.add("localhost")
    if host in ("0.0.0.0", "::"):
        names |= {LOOPBACK, "localhost", socket.gethostname(), socket.getfqdn()}
        try:
            names |= set(socket.gethostbyname_ex(socket.gethostname())[2])
        except OSError:
            pass
    out = []
    for name in sorted(n for n in names if n):
        try:
            v6 = ipaddress.ip_address(name).version == 6
        except ValueError:
            v6 = False
        out.append(f"[{name}]:{port}" if v6 else f"{name}:{port}")
    return out


def register(app: typer.Typer, input_errors, out, err) -> None:
    """Add ``serve`` to the main app."""

    @app.command("serve")
    @input_errors
    def serve(
        scenario: Annotated[Path, typer.Argument(help="Scenario YAML file to edit.")],
        port: Annotated[
            int, typer.Option(min=0, max=65535, help="TCP port (0: any free one).")
        ] = 8765,
        host: Annotated[
            str,
            typer.Option(help="Address to bind; anything but 127.0.0.1 is reachable by others."),
        ] = LOOPBACK,
        workers: Annotated[int | None, typer.Option(min=1, help="Processes per run.")] = None,
        warm: Annotated[
            bool,
            typer.Option(
                "--warm",
                help="After each redraw, compute the engine's tables in the background so the "
                "next Run starts sooner (a redraw may then wait for them).",
            ),
        ] = False,
    ) -> None:
        """Edit a scenario on a map in the browser: move, change and add sites, see coverage,
        run, optimise the layout, compare and save. Prints a URL with a session token; opens
        nothing."""
        import socket

        import uvicorn

        from iadsim.serve.app import create_app
        from iadsim.serve.security import new_token
        from iadsim.serve.session import Session

        session = Session(scenario)
        if host != LOOPBACK:
            err.print(
                f"[bold yellow]warning:[/] binding {host}: other machines that reach this "
                "address can drive the simulator with the token",
            )
        sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            sock.close()
            raise InputError.single(
                f"cannot listen on {host}:{port}: {exc.strerror or exc}", field_path="--port"
            ) from None
        # Listen before the URL is printed: uvicorn's own listen comes after its start-up, and a
        # client that follows the URL at once would otherwise be refused. Connections queue in
        # the backlog until uvicorn accepts them.
        sock.listen(2048)
        port = sock.getsockname()[1]
        token = new_token()
        shown = f"[{host}]" if ":" in host else host
        app_ = create_app(
            session, token, served_hosts(host, port), workers=workers, warm_engine=warm
        )
        out.print(
            f"iadsim serve: {session.path.name} at http://{shown}:{port}/?token={token}",
            highlight=False,
            soft_wrap=True,
        )
        out.print("Open that URL in a browser; Ctrl-C stops the server.", highlight=False)
        config = uvicorn.Config(app_, log_level="warning", access_log=False)
        uvicorn.Server(config).run(sockets=[sock])
