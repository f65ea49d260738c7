"""HTTP requests sent byte for byte, for paths a client library would clean up (dot segments)."""

from __future__ import annotations

import socket


def raw_get(port: int, raw: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    """GET `raw` on 127.0.0.1:`port` exactly as written: (status, the whole answer)."""
    lines = "".join(f"{name}: {value}\r\n" for name, value in (headers or {}).items())
    request = f"GET {raw} HTTP/1.1\r\nHost: x\r\n{lines}Connection: close\r\n\r\n"
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request.encode())
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return int(answer.split(b" ", 2)[1]), answer
