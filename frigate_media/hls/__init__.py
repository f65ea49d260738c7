"""Built-in HLS: fMP4 cutting with PyAV, codec strings and m3u8 rendering (no FastAPI here)."""
