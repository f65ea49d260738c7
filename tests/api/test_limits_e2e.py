"""Request size limits on a real server: bodies (413, never buffered), heads (431), auth first.

Raw sockets, because the faults live below HTTP clients: a client that declares a 128 MiB body
and waits, one that streams a body without a length, a header that never ends. Memory is read
from the server's own peak RSS (VmHWM in /proc), which no sampling can miss.
"""

from __future__ import annotations

import json
import os
import select
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from frigate_media.auth.tokens import encode_token
from tests.conftest import RunningServer, base_config_dict, deep_merge, start_server, stop_server
from tests.support.db import create_frigate_db, insert_user

SECRET = "limits-secret-" + "l" * 50
MIB = 1024 * 1024
ATTACK = 128 * MIB
# The server may keep what is in flight when it answers, never the attack: a generous bound.
RSS_GROWTH_LIMIT_MIB = 48


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    root = tmp_path_factory.mktemp("limits")
    db = create_frigate_db(root / "config" / "frigate.db")
    insert_user(db, "viewer1", "viewer")
    previous = os.environ.get("FRIGATE_JWT_SECRET")
    os.environ["FRIGATE_JWT_SECRET"] = SECRET
    running = start_server(deep_merge(base_config_dict(root), {"auth": {"enabled": True}}), root)
    yield running
    stop_server(running)
    if previous is None:
        os.environ.pop("FRIGATE_JWT_SECRET", None)
    else:
        os.environ["FRIGATE_JWT_SECRET"] = previous


def port_of(server: RunningServer) -> int:
    return int(server.base_url.rsplit(":", 1)[1])


def peak_rss_mib(server: RunningServer) -> float:
    status = Path(f"/proc/{server.process.pid}/status").read_text()
    line = next(line for line in status.splitlines() if line.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024


def read_answer(sock: socket.socket, timeout: float = 15.0) -> Answer:
    """Read one HTTP response (headers, then Content-Length bytes or until close)."""
    sock.settimeout(timeout)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "-1"))
    while length < 0 or len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return Answer(int(lines[0].split()[1]), headers, body)


def stream_until_answered(sock: socket.socket, total: int, chunk_size: int = MIB) -> int:
    """Send a chunked body of up to `total` bytes, stopping when the server answers or closes;
    the body bytes sent."""
    payload = b"x" * chunk_size
    frame = f"{chunk_size:x}\r\n".encode() + payload + b"\r\n"
    sent = 0
    sock.setblocking(False)
    try:
        while sent < total:
            readable, writable, _ = select.select([sock], [sock], [], 10)
            if readable:
                break  # the answer (or the close) has come
            if writable:
                try:
                    sock.sendall(frame)
                except BlockingIOError:
                    continue
                except OSError:
                    break
                sent += chunk_size
    finally:
        sock.setblocking(True)
    return sent


def test_a_login_body_declared_over_the_cap_is_refused_before_it_is_sent(
    server: RunningServer,
) -> None:
    with socket.create_connection(("127.0.0.1", port_of(server))) as sock:
        sock.sendall(
            b"POST /api/login HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
            + f"Content-Length: {ATTACK}\r\n\r\n".encode()
        )
        answer = read_answer(sock)  # no byte of the body was sent
    assert answer.status == 413
    assert answer.headers["connection"] == "close"
    assert json.loads(answer.body) == {
        "success": False,
        "message": "Request body too large (limit 16384 bytes)",
    }


def test_a_streamed_128_mib_login_body_is_cut_off_and_memory_stays_flat(
    server: RunningServer,
) -> None:
    before = peak_rss_mib(server)
    with socket.create_connection(("127.0.0.1", port_of(server))) as sock:
        sock.sendall(
            b"POST /api/login HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n"
        )
        sent = stream_until_answered(sock, ATTACK)
        try:
            answer: Answer | None = read_answer(sock)
        except ConnectionResetError:
            answer = None  # the close raced our last chunk; the bounds below still hold
    assert sent < 16 * MIB, f"the server took {sent / MIB:.0f} MiB before answering"
    if answer is not None:
        assert answer.status == 413
    # A client that sends its declared 128 MiB without waiting is stopped as early.
    try:
        response = httpx.post(
            server.url("/api/login"),
            content=b'{"user": "viewer1", "password": "' + b"x" * ATTACK + b'"}',
            headers={"content-type": "application/json"},
            timeout=30,
        )
        assert response.status_code == 413
    except httpx.TransportError:
        pass  # refused mid-upload: the connection was closed under the client
    grown = peak_rss_mib(server) - before
    assert grown < RSS_GROWTH_LIMIT_MIB, f"peak RSS grew {grown:.0f} MiB"
    assert httpx.get(server.url("/api/version")).status_code == 200


def test_a_protected_post_answers_401_without_reading_its_body(server: RunningServer) -> None:
    with socket.create_connection(("127.0.0.1", port_of(server))) as sock:
        sock.sendall(
            b"POST /api/events/front/person/create HTTP/1.1\r\nHost: t\r\n"
            b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
        )
        sent = stream_until_answered(sock, 64 * MIB)
        answer = read_answer(sock)
    assert answer.status == 401
    assert answer.headers["connection"] == "close"  # the rest of the body is not received
    assert sent < 16 * MIB


def test_a_viewer_gets_403_before_its_oversized_body_is_read(server: RunningServer) -> None:
    token = encode_token("viewer1", "viewer", time.time() + 600, SECRET)
    with socket.create_connection(("127.0.0.1", port_of(server))) as sock:
        sock.sendall(
            b"POST /api/events/front/person/create HTTP/1.1\r\nHost: t\r\n"
            + f"Authorization: Bearer {token}\r\n".encode()
            + b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
        )
        stream_until_answered(sock, 64 * MIB)
        answer = read_answer(sock)
    assert answer.status == 403


def test_a_request_head_over_the_cap_is_431_and_the_server_stays_healthy(
    server: RunningServer,
) -> None:
    before = peak_rss_mib(server)
    with socket.create_connection(("127.0.0.1", port_of(server))) as sock:
        sock.sendall(b"GET /api/version HTTP/1.1\r\nHost: t\r\nX-Big: " + b"a" * 128 * 1024)
        answer = read_answer(sock)  # the header has not even ended
    assert answer.status == 431
    assert json.loads(answer.body)["success"] is False
    # 8 MiB of one header, sent at once: refused, whatever the client manages to read.
    with socket.create_connection(("127.0.0.1", port_of(server))) as sock:
        status = None
        try:
            sock.sendall(
                b"GET /api/version HTTP/1.1\r\nHost: t\r\nX-Big: " + b"a" * 8 * MIB + b"\r\n\r\n"
            )
            status = read_answer(sock).status
        except OSError:
            pass  # reset while still sending: refused
        assert status in (None, 431)
    assert peak_rss_mib(server) - before < RSS_GROWTH_LIMIT_MIB
    big_but_allowed = {"Cookie": "a=" + "b" * 16 * 1024}
    assert httpx.get(server.url("/api/version"), headers=big_but_allowed).status_code == 200
