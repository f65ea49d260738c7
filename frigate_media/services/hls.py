"""Built-in HLS at nginx-vod's URLs: playlists from the VOD plan, fMP4 segments cut on demand.

One media segment per planned clip, so the EXTINF values are the mapping JSON's durations and
segment N sits at the sum of the durations before it. Segments are remuxed (never re-encoded)
in a worker thread, cached on disk under a byte cap (a segment being served is pinned: never
evicted), shared by concurrent requests, and bounded in number (one requester: its share).
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from frigate_media.bounded import BoundedDirectory, Lease
from frigate_media.context import AppContext
from frigate_media.errors import Busy, NotFound, Timeout, UpstreamFailed
from frigate_media.fair_slots import FairSlots
from frigate_media.hls.cache import SegmentCache
from frigate_media.hls.facts import StreamFacts, stream_facts
from frigate_media.hls.playlist import Variant, render_master, render_media
from frigate_media.hls.remux import Cut, remux
from frigate_media.services.recordings.vod import VodPlan
from frigate_media.services.recordings.vod_forms import VodRange, plan_for
from frigate_media.singleflight import SingleFlight

logger = logging.getLogger(__name__)

# nginx-vod's file names (Home Assistant's notification proxy forwards only these).
FILE_NAME_REGEX = (
    r"master\.m3u8|index(?:-v1(?:-a1)?)?\.m3u8|init-v1(?:-a1)?\.mp4|seg-[0-9]{1,7}-v1(?:-a1)?\.m4s"
)
_FILE_NAME = re.compile(
    r"^(?:(?P<master>master)\.m3u8"
    r"|index(?:-(?P<index>v1(?:-a1)?))?\.m3u8"
    r"|init-(?P<init>v1(?:-a1)?)\.mp4"
    r"|seg-(?P<number>[0-9]{1,7})-(?P<segment>v1(?:-a1)?)\.m4s)$"
)
EXPIRE_EVERY = 32  # segments written between expiries of long-unused ones
PIN_ATTEMPTS = 3  # a segment evicted between its cut and its pin is cut again, this often
REMUX_TIMEOUT_SECONDS = 30.0
# A player asks for the playlist and then each segment of the same range within seconds: reuse
# the plan that briefly instead of re-querying (the cache key still checks each file's stat).
PLAN_TTL_SECONDS = 5.0
PLAN_CACHE_SIZE = 256

Kind = Literal["master", "index", "init", "segment"]


def is_segment_file(name: str) -> bool:
    """A cached init or media segment (the files the segment cache owns)."""
    return name.endswith((".m4s", ".init"))


@dataclass(frozen=True)
class HlsFile:
    """A requested file: its kind, the tracks named in it ('' = default) and a segment number."""

    kind: Kind
    tracks: str = ""
    number: int = 0


def parse_file_name(name: str) -> HlsFile:
    """The HLS file a name asks for; NotFound for any other name."""
    match = _FILE_NAME.match(name)
    if match is None:
        raise NotFound("Not found")
    if match["master"]:
        return HlsFile("master")
    if match["init"]:
        return HlsFile("init", match["init"])
    if match["number"]:
        number = int(match["number"])
        if number < 1:
            raise NotFound("Segment not found")
        return HlsFile("segment", match["segment"], number)
    return HlsFile("index", match["index"] or "")


@dataclass(frozen=True)
class HlsReply:
    """What to send: a playlist's text, or the cached file of an init or media segment, pinned
    by `lease` until the response has been sent (the caller releases it)."""

    body: bytes = b""
    file: Path | None = None
    lease: Lease | None = None


class HlsService:
    """Playlists and segments for VOD ranges of one app; segments cached in `files`."""

    def __init__(self, context: AppContext, files: BoundedDirectory) -> None:
        limits = context.config.limits
        self.context = context
        self.cache = SegmentCache(files, max_age_seconds=limits.hls_cache_hours * 3600)
        self.timeout = min(REMUX_TIMEOUT_SECONDS, limits.ffmpeg_timeout)
        self._slots = FairSlots(
            limits.hls_jobs,
            share=limits.identity_share,
            queue_wait=limits.ffmpeg_queue_wait,
            busy_message="Too many HLS segments are being prepared; retry shortly",
            requester_message="Too many HLS segments are being prepared for this user; retry "
            "shortly",
        )
        self._remuxes: SingleFlight[str, None] = SingleFlight()
        self._written = 0
        self._plans: dict[VodRange, tuple[float, VodPlan]] = {}

    async def reply(self, vod: VodRange, file: HlsFile, query: str) -> HlsReply:
        """The response for `file` of `vod`; `query` is echoed into every URI of a playlist.

        Playlists are planned afresh (a segment Frigate filed a moment ago is listed at once);
        init and media segments reuse the plan of the playlist that named them.
        """
        plan = await self._plan(vod, fresh=file.kind in ("master", "index"))
        facts = await asyncio.to_thread(stream_facts, plan.clips[0].path)
        audio = facts.has_audio and file.tracks != "v1"
        tracks = "v1-a1" if audio else "v1"
        if file.kind == "master":
            variant = Variant(
                bandwidth=facts.bitrate,
                width=facts.width,
                height=facts.height,
                fps=facts.fps,
                codecs=facts.codecs if audio else facts.video_codec,
                index_name=f"index-{tracks}.m3u8",
            )
            return self._playlist(render_master(variant, query))
        if file.kind == "index":
            # Closed even while the range reaches now (nginx-vod's mapped mode does the same):
            # it lists what is recorded at this moment, numbered so a later, longer list keeps
            # every earlier segment where it was.
            text = render_media(
                [ms / 1000 for ms in plan.durations_ms],
                tracks=file.tracks or tracks,
                query=query,
                discontinuity=plan.discontinuity,
            )
            return self._playlist(text)
        number = 1 if file.kind == "init" else file.number
        cut = self._cut(plan, number, audio, facts)
        key = await asyncio.to_thread(self._key, cut)
        name = self.cache.init_name(key) if file.kind == "init" else self.cache.media_name(key)
        lease = await self._ensure(key, name, cut)
        return HlsReply(file=lease.path, lease=lease)

    @staticmethod
    def _playlist(text: str) -> HlsReply:
        return HlsReply(body=text.encode())

    async def _plan(self, vod: VodRange, *, fresh: bool = False) -> VodPlan:
        now = time.monotonic()
        cached = None if fresh else self._plans.get(vod)
        if cached is not None and cached[0] > now:
            return cached[1]
        plan = await self.context.run_db(plan_for, vod, self.context.clock.now())
        if len(self._plans) >= PLAN_CACHE_SIZE:
            self._plans = {k: v for k, v in self._plans.items() if v[0] > now}
            if len(self._plans) >= PLAN_CACHE_SIZE:
                self._plans.clear()
        self._plans[vod] = (now + PLAN_TTL_SECONDS, plan)
        return plan

    @staticmethod
    def _cut(plan: VodPlan, number: int, audio: bool, facts: StreamFacts) -> Cut:
        if number > len(plan.clips):
            raise NotFound("Segment not found")
        clip = plan.clips[number - 1]
        offset_ms = sum(plan.durations_ms[: number - 1])
        return Cut(
            path=clip.path,
            start_offset=None if clip.clip_from_ms is None else clip.clip_from_ms / 1000,
            duration=clip.duration_ms / 1000,
            timeline_offset=offset_ms / 1000,
            audio=audio and facts.has_audio,
        )

    def _key(self, cut: Cut) -> str:
        try:
            return self.cache.key(cut)
        except OSError:
            raise NotFound("Recording not found") from None

    async def _ensure(self, key: str, name: str, cut: Cut) -> Lease:
        """The cached file `name` of `key`, pinned: reuse it, join a remux under way, or start
        one."""
        for _ in range(PIN_ATTEMPTS):
            if not self._remuxes.running(key):
                lease = self.cache.pin(name)
                if lease is not None:
                    return lease
            # Joins a remux another request started meanwhile, if any.
            await self._remuxes.run(key, lambda: self._produce(key, cut))
            lease = self.cache.pin(name)
            if lease is not None:
                return lease
        # Cut, then evicted before it could be pinned, each time: the cache is under pressure.
        raise Busy("The HLS cache is too busy to keep this segment; retry shortly")

    async def _produce(self, key: str, cut: Cut) -> None:
        release = await self._slots.acquire()
        work = asyncio.ensure_future(asyncio.to_thread(self._remux_and_store, key, cut))
        # The slot is held until the thread really ends, even when we stop waiting for it.
        work.add_done_callback(lambda _: release())
        try:
            await asyncio.wait_for(asyncio.shield(work), timeout=self.timeout)
        except TimeoutError:
            raise Timeout("Preparing the HLS segment took too long") from None

    def _remux_and_store(self, key: str, cut: Cut) -> None:
        try:
            init, media = remux(cut)
        except UpstreamFailed as error:
            # nginx-vod answers 502 for unreadable media and Frigate's nginx turns it into 404.
            logger.warning("HLS cut of %s failed: %s", cut.path, error.message)
            raise NotFound(error.message) from None
        self.cache.store(key, init, media)
        self._written += 1
        if self._written % EXPIRE_EVERY == 0:
            self.cache.expire(time.time())
