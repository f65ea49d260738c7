"""A small HTTP/1.1 client on asyncio streams: keep-alive requests and streamed bodies.

Lighter than a full client library, so on two shared cores the load generator costs the server
as little CPU as possible. It understands Content-Length, chunked and read-until-close bodies.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

READ_SIZE = 65536


class HttpError(Exception):
    """The connection failed or the server answered something that is not HTTP/1.1."""


@dataclass
class Response:
    """A finished request: status, lower-cased headers, body and timings (seconds)."""

    status: int
    headers: dict[str, str]
    body: bytes = b""
    first_byte: float = 0.0  # from sending the request to the first body byte (or headers)
    total: float = 0.0
    size: int = 0
    extra: dict[str, float] = field(default_factory=dict)


class Connection:
    """One keep-alive connection to host:port; reconnects when the server closed it."""

    def __init__(self, host: str, port: int, timeout: float = 60.0) -> None:
        self.host = host
        self.port = port
        self.timeout = timeout
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def _connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self._reader is None or self._writer is None or self._writer.is_closing():
            try:
                # asyncio.timeout, not wait_for: 3.11's wait_for can swallow a cancellation.
                async with asyncio.timeout(self.timeout):
                    self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
            except (OSError, TimeoutError) as error:
                raise HttpError(f"connect failed: {error!r}") from None
        return self._reader, self._writer

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            with contextlib.suppress(OSError):
                await self._writer.wait_closed()
        self._reader = self._writer = None

    async def _send(
        self, path: str, request_headers: dict[str, str] | None = None
    ) -> tuple[asyncio.StreamReader, int, dict[str, str]]:
        reader, writer = await self._connect()
        extra = "".join(f"{name}: {value}\r\n" for name, value in (request_headers or {}).items())
        writer.write(
            f"GET {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
            f"User-Agent: frigate-media-bench\r\nAccept: */*\r\n{extra}\r\n".encode()
        )
        try:
            await writer.drain()
            async with asyncio.timeout(self.timeout):
                head = await reader.readuntil(b"\r\n\r\n")
        except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError) as error:
            await self.close()
            raise HttpError(f"no response: {error!r}") from None
        except TimeoutError:
            await self.close()
            raise HttpError("timed out waiting for the response head") from None
        lines = head.decode("latin-1").split("\r\n")
        parts = lines[0].split(" ", 2)
        if len(parts) < 2 or not parts[0].startswith("HTTP/1."):
            await self.close()
            raise HttpError(f"bad status line {lines[0]!r}")
        headers: dict[str, str] = {}
        for line in lines[1:]:
            if ":" in line:
                name, value = line.split(":", 1)
                headers[name.strip().lower()] = value.strip()
        return reader, int(parts[1]), headers

    async def _body(
        self, reader: asyncio.StreamReader, headers: dict[str, str]
    ) -> AsyncIterator[bytes]:
        if headers.get("transfer-encoding", "").lower() == "chunked":
            while True:
                size_line = await reader.readuntil(b"\r\n")
                size = int(size_line.split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    while (await reader.readuntil(b"\r\n")) != b"\r\n":
                        pass
                    return
                yield await reader.readexactly(size)
                await reader.readexactly(2)
        elif "content-length" in headers:
            remaining = int(headers["content-length"])
            while remaining > 0:
                chunk = await reader.read(min(READ_SIZE, remaining))
                if not chunk:
                    raise asyncio.IncompleteReadError(b"", remaining)
                remaining -= len(chunk)
                yield chunk
        else:
            while chunk := await reader.read(READ_SIZE):
                yield chunk
            await self.close()

    async def get(
        self,
        path: str,
        *,
        keep_body: bool = True,
        request_headers: dict[str, str] | None = None,
    ) -> Response:
        """GET `path` and read the whole body (kept only when `keep_body`)."""
        began = time.perf_counter()
        reader, status, headers = await self._send(path, request_headers)
        response = Response(status=status, headers=headers)
        response.first_byte = time.perf_counter() - began
        first = True
        parts: list[bytes] = []
        try:
            async with asyncio.timeout(self.timeout):
                async for chunk in self._body(reader, headers):
                    if first:
                        response.first_byte = time.perf_counter() - began
                        first = False
                    response.size += len(chunk)
                    if keep_body:
                        parts.append(chunk)
        except (OSError, asyncio.IncompleteReadError, ValueError, TimeoutError) as error:
            await self.close()
            raise HttpError(f"body failed after {response.size} bytes: {error!r}") from None
        response.total = time.perf_counter() - began
        response.body = b"".join(parts)
        if headers.get("connection", "").lower() == "close":
            await self.close()
        return response

    async def stream(
        self, path: str, request_headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], AsyncIterator[bytes]]:
        """GET `path` and hand back the body as it arrives (close the connection afterwards)."""
        reader, status, headers = await self._send(path, request_headers)
        return status, headers, self._body(reader, headers)


async def get_once(host: str, port: int, path: str, timeout: float = 60.0) -> Response:
    """One request on a fresh connection."""
    connection = Connection(host, port, timeout)
    try:
        return await connection.get(path)
    finally:
        await connection.close()
