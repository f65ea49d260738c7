"""The media URL forms real clients send (spec/clients.md), and the paths that stay Frigate's.

Each form is a template filled per camera from the test's Frigate install (`fill`), so the same
form can be asked for the camera a role may see and for the one it may not.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tests.hardening.world import World, hour_parts


@dataclass(frozen=True)
class Form:
    """A URL template (`{cam}`, `{event}`, ... see `fill`) and what frigate-media answers."""

    template: str
    ok: frozenset[int] = frozenset({200})
    stream: bool = False  # endless or long: read the first chunk, then close
    hls: bool = False  # root /vod/ HLS: nginx-vod's unless the built-in HLS option is on
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = ""  # when the path's suffix does not tell (see `expected_type`)

    def expected_type(self, url: str) -> str:
        """The Content-Type a successful answer for `url` (this form, filled) starts with."""
        if self.content_type:
            return self.content_type
        path = url.split("?", 1)[0]
        for suffix, media_type in SUFFIX_TYPES.items():
            if path.endswith(suffix):
                return media_type
        return "application/json"


SUFFIX_TYPES = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".webp": "image/webp",
    ".gif": "image/gif",
    ".mp4": "video/mp4",
    ".m4s": "video/mp4",
    ".m3u8": "application/vnd.apple.mpegurl",
}


def go_float(value: float) -> str:
    """Go's `%v` of a float64 (frigate-notify's timestamps): shortest digits, exponent form."""
    for digits in range(17):
        text = f"{value:.{digits}e}"
        if float(text) == value:
            return text
    return f"{value:.16e}"


def fill(template: str, world: World, camera: str) -> str:
    media = world[camera]
    year_month, day, hour = hour_parts(media.start)
    statics = {path.split("/", 1)[0]: path for path in reversed(media.static_paths)}
    return template.format(
        cam=camera,
        event=media.event_id,
        review=media.review_id,
        frame=media.preview_frame,
        s=f"{media.start + 1:.1f}",
        e=f"{media.start + 9:.1f}",
        s_int=int(media.start),
        e_int=int(media.start + 20),
        # The UI pads an event by 4 s each side and sends floats.
        s_pad=f"{media.event_start - 4:.6f}",
        e_pad=f"{media.event_end + 4:.6f}",
        ts=f"{media.start + 5.25:.6f}",
        ts_exp=go_float(media.start + 5.123456),
        ym=year_month,
        d=day,
        h=hour,
        recording_file=statics["recordings"],
        export_file=statics["exports"],
        snapshot_file=f"clips/{camera}-{media.event_id}.jpg",
        review_thumb=f"clips/review/thumb-{camera}-{media.review_id}.webp",
        preview_clip=f"clips/previews/{camera}/{media.start}-{media.start + 60}.mp4",
    )


HLS_OK = frozenset({200})
# Drawn on a live frame; the test cameras have no input, so frigate-media answers 502 itself.
NEEDS_LIVE_FRAME = frozenset({200, 502})

CLIENT_FORMS: dict[str, Form] = {
    # Frigate's web UI (web/src).
    "ui-live-still": Form("/api/{cam}/latest.webp?height=360&cache=1719000000123"),
    "ui-live-store": Form("/api/{cam}/latest.webp?height=242&store=1&cache=1785995400"),
    "ui-debug-overlays": Form(
        "/api/{cam}/latest.webp?height=360&cache=1&bbox=1&timestamp=0&zones=1&mask=0&motion=1&regions=0&paths=1"
    ),
    "ui-mask-editor": Form("/api/{cam}/latest.webp?cache=1"),
    "ui-editors-h": Form("/api/{cam}/latest.jpg?h=500"),
    "ui-region-grid": Form("/api/{cam}/grid.jpg?cache=1", ok=NEEDS_LIVE_FRAME),
    "ui-event-thumbnail": Form("/api/events/{event}/thumbnail.webp"),
    "ui-event-snapshot": Form("/api/events/{event}/snapshot.jpg?crop=0&bbox=1&timestamp=0"),
    "ui-clean-snapshot": Form("/api/events/{event}/snapshot-clean.webp"),
    "ui-event-clip": Form("/api/events/{event}/clip.mp4", stream=True),
    "ui-padded-clip": Form("/api/{cam}/start/{s_pad}/end/{e_pad}/clip.mp4", stream=True),
    "ui-timeline-master": Form("/vod/{cam}/start/{s}/end/{e}/master.m3u8", hls=True),
    "ui-detail-index": Form("/vod/{cam}/start/{s_pad}/end/{e_pad}/index.m3u8", hls=True),
    "ui-tracking-index": Form("/vod/clip/{cam}/start/{s}/end/{e}/index.m3u8", hls=True),
    "ui-frame-at": Form("/api/{cam}/recordings/{ts}/snapshot.jpg?height=500"),
    "ui-frame-at-plain": Form("/api/{cam}/recordings/{ts}/snapshot.jpg"),
    "ui-review-thumb": Form("/{review_thumb}"),
    "ui-review-preview": Form("/api/review/{review}/preview?format=mp4", content_type="video/mp4"),
    "ui-preview-list": Form("/api/preview/{cam}/start/{s_int}/end/{e_int}"),
    "ui-preview-clip": Form("/{preview_clip}"),
    "ui-preview-frames": Form("/api/preview/{cam}/start/{s_int}/end/{e_int}/frames"),
    "ui-preview-frame": Form("/api/preview/{frame}/thumbnail.webp"),
    "ui-export": Form("/{export_file}"),
    # Home Assistant's integration: camera entity, media browser, proxy views.
    "ha-camera": Form("/api/{cam}/latest.jpg"),
    "ha-camera-h": Form("/api/{cam}/latest.jpg?h=268"),
    "ha-event-vod": Form("/vod/{cam}/start/{s_int}/end/{e_int}/index.m3u8", hls=True),
    "ha-event-vod-fallback": Form("/vod/event/{event}/index.m3u8", hls=True),
    "ha-recording-hour": Form("/vod/{ym}/{d}/{h}/{cam}/utc/index.m3u8", hls=True),
    "ha-snapshot": Form("/api/events/{event}/snapshot.jpg"),
    "ha-thumbnail": Form("/api/events/{event}/thumbnail.jpg"),
    "ha-recording-clip": Form("/api/{cam}/start/{s_int}/end/{e_int}/clip.mp4", stream=True),
    "ha-clips-proxy": Form("/{snapshot_file}"),
    "ha-card-download": Form("/api/events/{event}/clip.mp4?download=true", stream=True),
    "ha-card-snapshot-download": Form("/api/events/{event}/snapshot.jpg?download=true"),
    # Notifications: HA's notification proxy, the blueprint, frigate-notify.
    "notify-thumbnail-android": Form("/api/events/{event}/thumbnail.jpg?format=android"),
    "notify-snapshot-bbox-crop": Form("/api/events/{event}/snapshot.jpg?bbox=1&crop=1"),
    "notify-event-gif": Form("/api/events/{event}/preview.gif?format=ts"),
    "notify-review-gif": Form("/api/review/{review}/preview?format=ts", content_type="video/mp4"),
    "notify-review-gif-plain": Form("/api/review/{review}/preview", content_type="image/gif"),
    "notify-review-clip": Form("/api/review/{review}/clip.mp4", stream=True),
    "notify-hls-master": Form("/vod/event/{event}/master.m3u8", hls=True),
    "notify-hls-index": Form("/vod/event/{event}/index-v1.m3u8", hls=True),
    "notify-hls-init": Form("/vod/event/{event}/init-v1.mp4", hls=True),
    "notify-hls-segment": Form("/vod/event/{event}/seg-1-v1.m4s", hls=True),
    "frigate-notify-snapshot": Form("/api/events/{event}/snapshot.jpg?bbox=1&timestamp=1&crop=1"),
    "frigate-notify-hires": Form("/api/{cam}/recordings/{ts_exp}/snapshot.jpg"),
    # nginx-vod's mapping requests (what Frigate's /vod/ fetches for every playlist).
    "vod-json-range": Form("/api/vod/{cam}/start/{s}/end/{e}"),
    "vod-json-clip": Form("/api/vod/clip/{cam}/start/{s}/end/{e}"),
    "vod-json-event": Form("/api/vod/event/{event}"),
    "vod-json-hour": Form("/api/vod/{ym}/{d}/{h}/{cam}"),
    "vod-json-hour-tz": Form("/api/vod/{ym}/{d}/{h}/{cam}/utc"),
    "api-prefixed-hls": Form("/api/vod/{cam}/start/{s}/end/{e}/master.m3u8"),
    # Other clients: HomeKit bridges, scripts, the label routes, MJPEG, PTZ, static recordings.
    "scrypted-jpeg": Form("/api/{cam}/latest.jpeg?cache=1"),
    "png-still": Form("/api/{cam}/latest.png"),
    "label-best": Form("/api/{cam}/person/best.jpg"),
    "label-thumbnail": Form("/api/{cam}/person/thumbnail.jpg"),
    "label-any-snapshot": Form("/api/{cam}/any/snapshot.jpg"),
    "label-clip": Form("/api/{cam}/person/clip.mp4", stream=True),
    "mjpeg": Form(
        "/api/{cam}?fps=5&height=180", stream=True, content_type="multipart/x-mixed-replace"
    ),
    "ptz-info": Form("/api/{cam}/ptz/info"),
    "range-preview-gif": Form("/api/{cam}/start/{s}/end/{e}/preview.gif"),
    "range-preview-mp4": Form("/api/{cam}/start/{s}/end/{e}/preview.mp4"),
    "recording-file-range": Form(
        "/{recording_file}", ok=frozenset({206}), headers={"Range": "bytes=0-99"}
    ),
}

HLS_FORMS = {name: form for name, form in CLIENT_FORMS.items() if form.hls}


@dataclass(frozen=True)
class FrigatePath:
    """A request that must reach Frigate, and the location of Frigate's nginx that takes it."""

    method: str
    template: str
    location: str


# Every single-segment route Frigate 0.14 to 0.18 has (http.conf sends them straight to Frigate).
FRIGATE_SINGLE_SEGMENT_ROUTES = [
    "audio_labels",
    "auth",
    "cases",
    "config",
    "docs",
    "event_ids",
    "events",
    "exports",
    "faces",
    "ffprobe",
    "keyframe_analysis",
    "labels",
    "login",
    "logout",
    "metrics",
    "nvinfo",
    "profile",
    "profiles",
    "recognized_license_plates",
    "redoc",
    "reindex",
    "restart",
    "review",
    "review_ids",
    "stats",
    "sub_labels",
    "timeline",
    "users",
    "vainfo",
    "version",
]

FRIGATE_PATHS: dict[str, FrigatePath] = {
    # What the UI, HA and notifiers need from Frigate besides media (spec/beside-frigate.md).
    "config": FrigatePath("GET", "/api/config", "api"),
    "stats": FrigatePath("GET", "/api/stats", "api-stats"),
    "version": FrigatePath("GET", "/api/version", "api-version"),
    "events-list": FrigatePath("GET", "/api/events", "api"),
    "events-query": FrigatePath(
        "GET", "/api/events?cameras={cam}&has_clip=1&include_thumbnails=0&limit=5", "api"
    ),
    "event-json": FrigatePath("GET", "/api/events/{event}", "api"),
    "events-summary": FrigatePath("GET", "/api/events/summary", "api"),
    "review-list": FrigatePath("GET", "/api/review", "api"),
    "review-summary": FrigatePath("GET", "/api/review/summary", "api"),
    "review-json": FrigatePath("GET", "/api/review/{review}", "api"),
    "review-of-event": FrigatePath("GET", "/api/review/event/{event}", "api"),
    "timeline": FrigatePath("GET", "/api/timeline", "api"),
    "recordings-json": FrigatePath("GET", "/api/{cam}/recordings?after={s}&before={e}", "api"),
    "recordings-summary": FrigatePath("GET", "/api/{cam}/recordings/summary", "api"),
    "all-recordings-summary": FrigatePath("GET", "/api/recordings/summary", "api"),
    "labels": FrigatePath("GET", "/api/labels", "api"),
    "sub-labels": FrigatePath("GET", "/api/sub_labels", "api"),
    "exports-list": FrigatePath("GET", "/api/exports", "api"),
    "export-json": FrigatePath("GET", "/api/exports/{cam}_exp001", "api"),
    "faces": FrigatePath("GET", "/api/faces", "api"),
    "go2rtc-streams": FrigatePath("GET", "/api/go2rtc/streams/{cam}", "api"),
    "logs": FrigatePath("GET", "/api/logs/frigate", "api"),
    "profile": FrigatePath("GET", "/api/profile", "api"),
    "logout": FrigatePath("GET", "/api/logout", "api"),
    "motion-search-job": FrigatePath("GET", "/api/{cam}/search/motion/job1", "api"),
    "api-root": FrigatePath("GET", "/api/", "api"),
    # Writes, including writes on paths whose GET is ours.
    "login": FrigatePath("POST", "/api/login", "api-login"),
    "create-event": FrigatePath("POST", "/api/events/{cam}/person/create", "api"),
    "end-event": FrigatePath("PUT", "/api/events/{event}/end", "api"),
    "plus-frame": FrigatePath("POST", "/api/{cam}/plus/{ts}", "api"),
    "plus-event": FrigatePath("POST", "/api/events/{event}/plus", "api"),
    "delete-event": FrigatePath("DELETE", "/api/events/{event}", "api"),
    "export-start": FrigatePath("POST", "/api/export/{cam}/start/{s_int}/end/{e_int}", "api"),
    "restart": FrigatePath("POST", "/api/restart", "api"),
    "delete-region-grid": FrigatePath("DELETE", "/api/{cam}/region_grid", "api"),
    "config-set": FrigatePath("PUT", "/api/config/set", "api"),
    "write-on-mjpeg-path": FrigatePath("POST", "/api/{cam}", "api"),
    "write-on-snapshot-path": FrigatePath(
        "DELETE", "/api/events/{event}/snapshot.jpg", "api-image"
    ),
    "write-on-vod-json-path": FrigatePath("POST", "/api/vod/{cam}/start/{s}/end/{e}", "api-vod"),
    "write-on-static-path": FrigatePath("DELETE", "/{snapshot_file}", "static"),
    "webrtc": FrigatePath("POST", "/api/go2rtc/webrtc?src={cam}", "go2rtc"),
    # Live streams, the UI, directory listings, HLS files the built-in HLS does not make.
    "mqtt-websocket": FrigatePath("GET", "/ws", "mqtt-ws"),
    "jsmpeg": FrigatePath("GET", "/live/jsmpeg/{cam}", "jsmpeg"),
    "mse": FrigatePath("GET", "/live/mse/api/ws?src={cam}", "go2rtc"),
    "ui-index": FrigatePath("GET", "/", "ui"),
    "ui-asset": FrigatePath("GET", "/assets/index-abc123.js", "ui"),
    "ui-manifest": FrigatePath("GET", "/site-abc123.webmanifest", "ui-manifest"),
    "clips-listing": FrigatePath("GET", "/clips/", "static"),
    "recordings-listing": FrigatePath("GET", "/recordings/", "static"),
    "exports-listing": FrigatePath("GET", "/exports/", "static"),
    "hls-mpegts-segment": FrigatePath(
        "GET", "/vod/{cam}/start/{s}/end/{e}/seg-1-v1.ts", "nginx-vod"
    ),
    "hls-iframes": FrigatePath("GET", "/vod/{cam}/start/{s}/end/{e}/iframes-v1.m3u8", "nginx-vod"),
    **{
        f"route-{name}": FrigatePath(
            "GET", f"/api/{name}", "api-login" if name == "login" else "api"
        )
        for name in FRIGATE_SINGLE_SEGMENT_ROUTES
        if name not in ("stats", "version")
    },
}
