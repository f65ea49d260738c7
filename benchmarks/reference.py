"""The do-nothing reference server: prepared bytes, no work per request — this machine's limit.

Same stack as frigate-media (Starlette on uvicorn with httptools and uvloop, no access log), so the
ratio frigate-media / reference isolates the cost of our own work per request.
Also shaped like Frigate's: a recorded frame (`/api/<cam>/recordings/<t>/snapshot.jpg`, the
prepared JPEG) and `clip.mp4` (`--clip-mib` MiB of prepared bytes with Content-Length and one
Range span: what streaming from memory costs here, with no file read at all).
Run: `python -m benchmarks.reference --port P --jpeg full.jpg --webp small.webp --mjpeg small.jpg`.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route

VERSION = "0.16.0-reference"
MJPEG_DEFAULT_FPS = 3  # Frigate's default for the MJPEG route


def create_app(jpeg: bytes, webp: bytes, mjpeg_frame: bytes, clip_mib: int = 0) -> Starlette:
    """Routes shaped like Frigate's: version, latest.jpg / latest.webp, the MJPEG stream, a
    recorded frame and clip.mp4."""
    part = b"--frame\r\nContent-Type: image/jpeg\r\n\r\n" + mjpeg_frame + b"\r\n\r\n"
    headers = {"Cache-Control": "no-store"}
    block = bytes(range(256)) * 4096  # 1 MiB
    clip_size = clip_mib * len(block)

    async def recorded_frame(request: Request) -> Response:
        return Response(jpeg, media_type="image/jpeg", headers=headers)

    async def clip(request: Request) -> Response:
        start, end, status = 0, clip_size, 200
        spec = request.headers.get("range", "").removeprefix("bytes=")
        extra = {"Accept-Ranges": "bytes"}
        if spec and "," not in spec:
            first, _, last = spec.partition("-")
            start = int(first) if first else clip_size - int(last)
            end = min(int(last) + 1, clip_size) if first and last else clip_size
            status = 206
            extra["Content-Range"] = f"bytes {start}-{end - 1}/{clip_size}"

        async def body() -> AsyncIterator[bytes]:
            position = start
            while position < end:
                offset = position % len(block)
                chunk = block[offset : offset + min(len(block) - offset, end - position)]
                position += len(chunk)
                yield chunk

        extra["Content-Length"] = str(end - start)
        return StreamingResponse(body(), status_code=status, media_type="video/mp4", headers=extra)

    async def version(request: Request) -> Response:
        return PlainTextResponse(VERSION)

    async def latest(request: Request) -> Response:
        if request.path_params["extension"] == "webp":
            return Response(webp, media_type="image/webp", headers=headers)
        return Response(jpeg, media_type="image/jpeg", headers=headers)

    async def mjpeg(request: Request) -> Response:
        try:
            fps = max(1, int(request.query_params.get("fps", MJPEG_DEFAULT_FPS)))
        except ValueError:
            fps = MJPEG_DEFAULT_FPS

        async def frames() -> AsyncIterator[bytes]:
            while True:
                await asyncio.sleep(1 / fps)
                yield part

        return StreamingResponse(frames(), media_type="multipart/x-mixed-replace;boundary=frame")

    return Starlette(
        routes=[
            Route("/api/version", version),
            Route("/api/{camera}/latest.{extension}", latest),
            Route("/api/{camera}/recordings/{moment}/snapshot.jpg", recorded_frame),
            Route("/api/{camera}/start/{start}/end/{end}/clip.mp4", clip),
            Route("/api/{camera}", mjpeg),
        ]
    )


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--jpeg", type=Path, required=True)
    parser.add_argument("--webp", type=Path, required=True)
    parser.add_argument("--mjpeg", type=Path, required=True)
    parser.add_argument("--clip-mib", type=int, default=0)
    args = parser.parse_args()
    app = create_app(
        args.jpeg.read_bytes(), args.webp.read_bytes(), args.mjpeg.read_bytes(), args.clip_mib
    )
    uvicorn.run(
        app, host="127.0.0.1", port=args.port, log_level="warning", access_log=False,
        http="httptools", loop="auto",
    )  # fmt: skip


if __name__ == "__main__":
    main()
