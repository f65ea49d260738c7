"""RFC 6381 codec strings for `#EXT-X-STREAM-INF:CODECS`, read from the streams' extradata."""

from __future__ import annotations

# Fallbacks when extradata is missing: widely supported profiles.
AVC_FALLBACK = "avc1.640028"
HEVC_FALLBACK = "hvc1.1.6.L120.90"
AUDIO_CODEC_STRINGS = {
    "mp3": "mp4a.40.34",
    "opus": "opus",
    "ac3": "ac-3",
    "eac3": "ec-3",
    "flac": "fLaC",
    "alac": "alac",
}


def avc_codec(extradata: bytes | None) -> str:
    """avc1.PPCCLL from an avcC record (profile, constraint flags, level)."""
    if extradata and len(extradata) >= 4 and extradata[0] == 1:
        return "avc1." + extradata[1:4].hex().upper()
    if extradata and len(extradata) >= 8:
        # Annex B: find the SPS (NAL type 7) after a start code.
        index = extradata.find(b"\x00\x00\x01")
        while 0 <= index < len(extradata) - 6:
            if extradata[index + 3] & 0x1F == 7:
                return "avc1." + extradata[index + 4 : index + 7].hex().upper()
            index = extradata.find(b"\x00\x00\x01", index + 3)
    return AVC_FALLBACK


def _reverse_bits32(value: int) -> int:
    return int(f"{value:032b}"[::-1], 2)


def hevc_codec(extradata: bytes | None) -> str:
    """hvc1.<space><profile>.<compat>.<tier><level>[.<constraints>] from an hvcC record."""
    if not extradata or len(extradata) < 13 or extradata[0] != 1:
        return HEVC_FALLBACK
    space = extradata[1] >> 6
    tier = "H" if extradata[1] & 0x20 else "L"
    profile = extradata[1] & 0x1F
    compat = _reverse_bits32(int.from_bytes(extradata[2:6], "big"))
    constraints = list(extradata[6:12])
    while constraints and constraints[-1] == 0:
        constraints.pop()
    parts = [
        "hvc1",
        ("", "A", "B", "C")[space] + str(profile),
        f"{compat:X}",
        f"{tier}{extradata[12]}",
        *(f"{byte:X}" for byte in constraints),
    ]
    return ".".join(parts)


def video_codec(name: str | None, extradata: bytes | None) -> str:
    return hevc_codec(extradata) if name == "hevc" else avc_codec(extradata)


def audio_codec(name: str | None, extradata: bytes | None) -> str:
    """mp4a.40.<object type> for AAC (from the AudioSpecificConfig), else the codec's tag."""
    if name == "aac":
        object_type = extradata[0] >> 3 if extradata else 2
        return f"mp4a.40.{object_type or 2}"
    return AUDIO_CODEC_STRINGS.get(name or "", "mp4a.40.2")
