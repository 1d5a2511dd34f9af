"""``leadscope serve`` and ``leadscope keys create|list|revoke``."""

from __future__ import annotations

import socket

import typer

from serving.cli.app import app, keys_app
from serving.cli.context import database, settings_and_logging
from serving.errors import InputError
from serving.keys import create_key, list_keys, parse_scopes, revoke_key


def _tcp_listener(sock: socket.socket) -> socket.socket:
    """The listening socket with its protocol set to TCP. uvicorn binds the socket itself for
    ``--workers N`` and leaves ``proto`` at 0; accepted connections inherit it and the event
    loop then skips ``TCP_NODELAY``, so every keep-alive response waits ~40 ms for the peer's
    delayed ACK (uvicorn issue #3149). Re-wrapping the descriptor lets Python read the real
    protocol back."""
    if sock.family not in (socket.AF_INET, socket.AF_INET6) or sock.proto:
        return sock
    fixed = socket.socket(fileno=sock.detach())  # family, type and proto read from the fd
    fixed.set_inheritable(True)
    return fixed


def _run_uvicorn(workers: int, **options: object) -> None:
    import uvicorn
    from uvicorn.supervisors import Multiprocess

    if workers <= 1:
        uvicorn.run("serving.api.app:app_from_env", factory=True, workers=1, **options)  # type: ignore[arg-type]
        return
    config = uvicorn.Config(
        "serving.api.app:app_from_env",
        factory=True,
        workers=workers,
        **options,  # type: ignore[arg-type]
    )
    sock = _tcp_listener(config.bind_socket())
    try:
        Multiprocess(config, sockets=[sock]).run()
    except KeyboardInterrupt:
        pass
    finally:
        sock.close()


@app.command("serve")
def serve_cmd(
    host: str = typer.Option(None, help="interface to bind (default LEADSCOPE_API_HOST)"),
    port: int = typer.Option(None, help="TCP port (default LEADSCOPE_API_PORT)"),
    workers: int = typer.Option(
        1,
        min=1,
        help="worker processes (each loads the models; limits and metrics are per worker)",
    ),
) -> None:
    """Serve the HTTP API (OpenAPI at /docs). Migrates the database first."""
    settings = settings_and_logging()
    database(settings).dispose()  # migrate once, before any worker starts
    bind_host = host or settings.api_host
    bind_port = settings.api_port if port is None else port
    if not 0 < bind_port < 65536:
        raise InputError(f"--port {bind_port} is not a TCP port")
    typer.echo(f"serving on http://{bind_host}:{bind_port} with {workers} worker(s)", err=True)
    _run_uvicorn(
        workers,
        host=bind_host,
        port=bind_port,
        access_log=False,  # the app writes its own access log with the request id
        log_config=None,
        timeout_graceful_shutdown=int(settings.job_shutdown_grace_seconds) + 5,
        # the server must not close an idle connection the moment a client reuses it
        timeout_keep_alive=int(settings.api_keep_alive_seconds),
    )


@keys_app.command("create")
def keys_create(
    scopes: str = typer.Option(..., help="comma-separated: crm, sales, admin"),
    name: str = typer.Option(None, help="who or what uses the key"),
) -> None:
    """Create an API key. The key is printed once; only its hash is stored."""
    settings = settings_and_logging()
    created = create_key(database(settings), parse_scopes(scopes), name)
    typer.echo(created.token)
    typer.echo(
        f"key id {created.info.key_id}, scopes {','.join(sorted(created.info.scopes))}"
        " (store the key now: it cannot be shown again)",
        err=True,
    )


@keys_app.command("list")
def keys_list() -> None:
    """List API keys (id, name, scopes, created, revoked, last used); never the secrets."""
    settings = settings_and_logging()
    keys = list_keys(database(settings))
    typer.echo(f"{'key_id':<14}{'scopes':<18}{'created':<22}{'status':<10}name")
    for k in keys:
        status = "active" if k.active else "revoked"
        created = k.created_at.strftime("%Y-%m-%d %H:%M:%S")
        typer.echo(
            f"{k.key_id:<14}{','.join(sorted(k.scopes)):<18}{created:<22}{status:<10}{k.name or ''}"
        )
    typer.echo(f"{len(keys)} key(s)", err=True)


@keys_app.command("revoke")
def keys_revoke(key_id: str = typer.Argument(..., help="the key id shown by `keys list`")) -> None:
    """Revoke an API key; the API refuses it within LEADSCOPE_API_KEY_CACHE_SECONDS."""
    settings = settings_and_logging()
    info = revoke_key(database(settings), key_id)
    typer.echo(f"revoked {info.key_id}")
