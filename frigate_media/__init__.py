"""frigate-media: Frigate NVR's media HTTP API as a standalone service."""

__version__ = "0.1.0"
