"""``serve --workers N``: the listening socket reads back as TCP so accepted connections get
TCP_NODELAY from the event loop (uvicorn #3149)."""

from __future__ import annotations

import asyncio
import socket

from serving.cli.api import _tcp_listener


def _nodelay_of_accepted(listener: socket.socket) -> int:
    """TCP_NODELAY on a connection accepted through asyncio from ``listener``."""
    seen: list[int] = []

    async def main() -> None:
        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            sock = writer.get_extra_info("socket")
            seen.append(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            writer.close()

        server = await asyncio.start_server(handle, sock=listener)
        port = listener.getsockname()[1]
        _, writer = await asyncio.open_connection("127.0.0.1", port)
        for _ in range(200):
            if seen:
                break
            await asyncio.sleep(0.01)
        writer.close()
        server.close()
        await server.wait_closed()

    asyncio.run(main())
    return seen[0]


def _bound_like_uvicorn() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)  # proto 0, as uvicorn binds it
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    return sock


def test_rewrapped_listener_gives_nodelay_connections() -> None:
    plain = _bound_like_uvicorn()
    assert plain.proto == 0
    assert _nodelay_of_accepted(plain) == 0  # the bug the re-wrap avoids
    fixed = _tcp_listener(_bound_like_uvicorn())
    assert fixed.proto == socket.IPPROTO_TCP and fixed.get_inheritable()
    assert _nodelay_of_accepted(fixed) != 0


def test_non_inet_or_already_tcp_socket_is_returned_as_is() -> None:
    unix = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        assert _tcp_listener(unix) is unix and _tcp_listener(tcp) is tcp
    finally:
        unix.close()
        tcp.close()
