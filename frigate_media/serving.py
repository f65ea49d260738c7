"""How `frigate-media serve` runs uvicorn: httptools with a cap on request heads, proxy trust.

uvicorn's httptools protocol has no limit on the request line and headers (its
`h11_max_incomplete_event_size` applies to h11 only): an 8 MiB header was read, kept and
answered. `HeadCappedHttpTools` counts the head as it arrives and answers 431 (then closes)
once it passes `limits.max_header_bytes`, also while a single header is still incomplete
(httptools gathers a header value in memory until it ends), so at most the cap plus one
socket read is held.

X-Forwarded-For is honoured only from a trusted peer: loopback (Frigate's nginx beside us) or
one of Frigate's `auth.trusted_proxies`; uvicorn then names the first untrusted hop, read from
the right, as the client, which is what Frigate's `get_remote_addr` keys its login limit on.
"""

from __future__ import annotations

import json
from typing import Any

import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from frigate_media.api.streaming import ABORT_EXTENSION
from frigate_media.config import FrigateConfig

LOOPBACK = ["127.0.0.1", "::1"]
LINGER_SECONDS = 2.0  # after a 431, how long the rest of the client's head is read and dropped
LINGER_BYTES = 1 << 20  # and at most how much of it


class HeadTooLarge(Exception):
    """The request line and headers passed the cap (raised inside a parser callback)."""


class HeadCappedHttpTools(HttpToolsProtocol):
    """uvicorn's httptools protocol, answering 431 to a request head over `max_head_bytes`."""

    max_head_bytes = 65_536

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._head_bytes = 0  # request line and headers parsed so far (this request)
        self._unparsed_head_bytes = 0  # bytes received while the head is not complete
        self._in_head = True
        self._head_refused = False
        self._discarded = 0  # bytes dropped after a refusal

    def data_received(self, data: bytes) -> None:
        if self._head_refused:
            self._discard(len(data))
            return
        if self._in_head:
            self._unparsed_head_bytes += len(data)
        super().data_received(data)
        if (
            self._in_head
            and not self._head_refused
            and self._unparsed_head_bytes > self.max_head_bytes
            and not self.transport.is_closing()
        ):
            # A header still arriving (httptools has not handed it over yet) is too long.
            self._head_refused = True
            self.send_400_response("")

    def on_message_begin(self) -> None:
        self._head_bytes = 0
        super().on_message_begin()
        # How the app drops a client that stopped reading (api/streaming.StalledClientGuard):
        # abort, not close, so the bytes it never took are not kept waiting for it.
        extensions: dict[str, Any] = {ABORT_EXTENSION: self.transport.abort}
        self.scope["extensions"] = extensions  # type: ignore[typeddict-item]

    def on_url(self, url: bytes) -> None:
        self._count(len(url))
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._count(len(name) + len(value) + 4)  # ": " and CRLF
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._in_head = False
        self._unparsed_head_bytes = 0
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        self._in_head = True  # what follows is the next request's head
        super().on_message_complete()

    def _count(self, size: int) -> None:
        self._head_bytes += size
        if self._head_bytes > self.max_head_bytes:
            self._head_refused = True
            raise HeadTooLarge  # httptools stops; uvicorn calls send_400_response

    def send_400_response(self, msg: str) -> None:
        if not self._head_refused:
            super().send_400_response(msg)
            return
        body = json.dumps(
            {
                "success": False,
                "message": f"Request headers too large (limit {self.max_head_bytes} bytes)",
            }
        ).encode()
        self.transport.write(
            b"HTTP/1.1 431 Request Header Fields Too Large\r\n"
            b"content-type: application/json\r\n"
            b"content-length: " + str(len(body)).encode() + b"\r\n"
            b"connection: close\r\n\r\n" + body
        )
        # Close gently: stop writing, drop what the client is still sending for a moment,
        # then close. Closing with unread bytes would reset the connection, and a client
        # still sending would lose the answer.
        if self.transport.can_write_eof():
            self.transport.write_eof()
        self.loop.call_later(LINGER_SECONDS, self.transport.close)

    def _discard(self, size: int) -> None:
        self._discarded += size
        if self._discarded > LINGER_BYTES:
            self.transport.close()


def head_capped_protocol(max_head_bytes: int) -> type[HeadCappedHttpTools]:
    """The protocol class with its cap set (uvicorn builds one instance per connection)."""
    return type("HeadCappedHttpTools", (HeadCappedHttpTools,), {"max_head_bytes": max_head_bytes})


def trusted_forwarders(config: FrigateConfig) -> list[str]:
    """Peers whose X-Forwarded-For is believed: loopback and Frigate's `auth.trusted_proxies`."""
    return [*LOOPBACK, *config.auth.trusted_proxies]


def serve(app: Any, config: FrigateConfig, *, log_level: str) -> None:
    """Run `app` on the configured address until interrupted."""
    uvicorn.run(
        app,
        host=config.server.host,
        port=config.server.port,
        log_level=log_level,
        access_log=False,
        http=head_capped_protocol(config.limits.max_header_bytes),
        loop="auto",
        timeout_graceful_shutdown=5,
        proxy_headers=True,
        forwarded_allow_ips=trusted_forwarders(config),
    )
