"""A small RTSP server standing in for Frigate's go2rtc restream: every path serves one live H.264
stream (RTP over the RTSP connection, `interleaved=0-1`, as `-rtsp_transport tcp` asks).

go2rtc itself is not packaged for this machine, so the RTSP side is ours: OPTIONS, DESCRIBE (the
SDP ffmpeg wrote for its RTP output), SETUP (TCP only; UDP is 461), PLAY, GET_PARAMETER and
TEARDOWN. The media side is a real encoder: one ffmpeg encodes testsrc2 and sends RTP packets to
a local UDP port, and the server copies each packet to every playing client. Clients are the real
ffmpeg RTSP demuxer of the code under test.
"""

from __future__ import annotations

import contextlib
import re
import socket
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.media import ffmpeg_binary
from tests.support.processes import stop_process

TRACK = "trackID=0"
# Cheap to make and to decode (tests); benchmarks pass a camera-like encode instead.
TEST_ENCODE = ("-preset", "ultrafast", "-tune", "zerolatency")
SESSION_TIMEOUT = 60
SDP_WAIT_SECONDS = 20.0


def _free_udp_pair() -> tuple[socket.socket, socket.socket]:
    """Two bound UDP sockets on consecutive ports (RTP, then the RTCP port ffmpeg sends to)."""
    for _ in range(50):
        rtp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        rtp.bind(("127.0.0.1", 0))
        port = rtp.getsockname()[1]
        if port % 2:
            rtp.close()
            continue
        rtcp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            rtcp.bind(("127.0.0.1", port + 1))
        except OSError:
            rtp.close()
            rtcp.close()
            continue
        return rtp, rtcp
    raise RuntimeError("no free UDP port pair")


@dataclass
class _Client:
    sock: socket.socket
    lock: threading.Lock = field(default_factory=threading.Lock)
    playing: bool = False

    def send(self, data: bytes) -> bool:
        with self.lock:
            try:
                self.sock.sendall(data)
            except OSError:
                return False
        return True


class RtspSource:
    """`rtsp://127.0.0.1:<port>/<any name>`: one encoded test pattern for every path and client."""

    def __init__(
        self,
        workdir: Path,
        *,
        width: int = 1280,
        height: int = 720,
        fps: int = 5,
        encode: tuple[str, ...] = TEST_ENCODE,
    ) -> None:
        self.workdir = workdir
        self.width, self.height, self.fps = width, height, fps
        self.encode = encode
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self.port: int = self._listener.getsockname()[1]
        self._rtp, self._rtcp = _free_udp_pair()
        self._encoder: subprocess.Popen[bytes] | None = None
        self._clients: list[_Client] = []
        self._clients_lock = threading.Lock()
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._sdp = ""
        self.sessions = 0  # PLAY requests answered, for tests

    def url(self, name: str) -> str:
        return f"rtsp://127.0.0.1:{self.port}/{name}"

    @property
    def encoder_pid(self) -> int | None:
        return self._encoder.pid if self._encoder is not None else None

    def start(self) -> RtspSource:
        sdp_file = self.workdir / f"rtsp-{self.port}.sdp"
        rtp_port = self._rtp.getsockname()[1]
        self._encoder = subprocess.Popen(
            [
                ffmpeg_binary(), "-hide_banner", "-loglevel", "error", "-nostdin", "-re",
                "-f", "lavfi", "-i", f"testsrc2=size={self.width}x{self.height}:rate={self.fps}",
                "-c:v", "libx264", *self.encode, "-bf", "0",
                "-g", str(self.fps), "-pix_fmt", "yuv420p", "-f", "rtp", "-sdp_file",
                str(sdp_file), f"rtp://127.0.0.1:{rtp_port}?pkt_size=1200",
            ],
            stdin=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + SDP_WAIT_SECONDS
        while not (sdp_file.exists() and "m=video" in sdp_file.read_text()):
            if time.monotonic() > deadline or self._encoder.poll() is not None:
                self.stop()
                raise RuntimeError("the RTP encoder wrote no SDP")
            time.sleep(0.05)
        self._sdp = self._describe(sdp_file.read_text())
        self._listener.listen(16)
        for target in (self._accept, self._pump, self._drop_rtcp):
            thread = threading.Thread(target=target, daemon=True)
            thread.start()
            self._threads.append(thread)
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._encoder is not None:
            stop_process(self._encoder, timeout=10)
        for sock in (self._listener, self._rtp, self._rtcp):
            with contextlib.suppress(OSError):
                sock.close()
        with self._clients_lock:
            for client in self._clients:
                with contextlib.suppress(OSError):
                    client.sock.shutdown(socket.SHUT_RDWR)
                client.sock.close()
            self._clients.clear()
        for thread in self._threads:
            thread.join(timeout=5)

    @staticmethod
    def _describe(sdp: str) -> str:
        """ffmpeg's RTP SDP made an RTSP description: no address, a control URL per track."""
        lines = []
        for line in sdp.strip().splitlines():
            line = re.sub(r"^c=IN IP4 .*", "c=IN IP4 0.0.0.0", line)
            line = re.sub(r"^m=video \d+ ", "m=video 0 ", line)
            lines.append(line)
            if line.startswith("m=video"):
                lines.append(f"a=control:{TRACK}")
        return "\r\n".join(lines) + "\r\n"

    # ---- threads ---------------------------------------------------------------------------

    def _accept(self) -> None:
        while not self._stopping.is_set():
            try:
                sock, _ = self._listener.accept()
            except OSError:
                return
            client = _Client(sock)
            with self._clients_lock:
                self._clients.append(client)
            thread = threading.Thread(target=self._serve, args=(client,), daemon=True)
            thread.start()

    def _pump(self) -> None:
        """Each RTP packet to every playing client, framed as interleaved channel 0."""
        while not self._stopping.is_set():
            try:
                packet = self._rtp.recv(65536)
            except OSError:
                return
            frame = b"$\x00" + len(packet).to_bytes(2, "big") + packet
            with self._clients_lock:
                clients = [c for c in self._clients if c.playing]
            for client in clients:
                if not client.send(frame):
                    self._forget(client)

    def _drop_rtcp(self) -> None:
        while not self._stopping.is_set():
            try:
                self._rtcp.recv(65536)
            except OSError:
                return

    def _forget(self, client: _Client) -> None:
        client.playing = False
        with self._clients_lock:
            if client in self._clients:
                self._clients.remove(client)
        with contextlib.suppress(OSError):
            client.sock.close()

    def _serve(self, client: _Client) -> None:
        buffer = b""
        try:
            while not self._stopping.is_set():
                chunk = client.sock.recv(65536)
                if not chunk:
                    return
                buffer += chunk
                while buffer:
                    if buffer[:1] == b"$":  # interleaved data from the client (RTCP reports)
                        if len(buffer) < 4:
                            break
                        size = int.from_bytes(buffer[2:4], "big")
                        if len(buffer) < 4 + size:
                            break
                        buffer = buffer[4 + size :]
                        continue
                    head, sep, rest = buffer.partition(b"\r\n\r\n")
                    if not sep:
                        break
                    buffer = rest
                    if not self._answer(client, head.decode("latin-1")):
                        return
        except OSError:
            return
        finally:
            self._forget(client)

    def _answer(self, client: _Client, request: str) -> bool:
        lines = request.split("\r\n")
        method, url, _ = [*lines[0].split(" "), "", ""][:3]
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        reply = [f"CSeq: {headers.get('cseq', '0')}"]
        body = ""
        status = "200 OK"
        if method == "OPTIONS":
            reply.append("Public: OPTIONS, DESCRIBE, SETUP, PLAY, GET_PARAMETER, TEARDOWN")
        elif method == "DESCRIBE":
            body = self._sdp
            reply += [
                f"Content-Base: {url.rstrip('/')}/",
                "Content-Type: application/sdp",
                f"Content-Length: {len(body.encode())}",
            ]
        elif method == "SETUP":
            transport = headers.get("transport", "")
            if "TCP" not in transport.upper():
                status = "461 Unsupported Transport"
            else:
                reply += [
                    "Transport: RTP/AVP/TCP;unicast;interleaved=0-1",
                    f"Session: 1;timeout={SESSION_TIMEOUT}",
                ]
        elif method == "PLAY":
            reply += ["Session: 1", "Range: npt=0.000-"]
            self.sessions += 1
        elif method in ("GET_PARAMETER", "SET_PARAMETER"):
            reply.append("Session: 1")
        elif method == "TEARDOWN":
            client.send(f"RTSP/1.0 200 OK\r\n{reply[0]}\r\n\r\n".encode())
            return False
        else:
            status = "405 Method Not Allowed"
        head = "\r\n".join([f"RTSP/1.0 {status}", *reply])
        if not client.send((head + "\r\n\r\n" + body).encode()):
            return False
        if method == "PLAY":
            client.playing = True
        return True
