"""The in-process frame processor: ingest, latest frames, motion, tracked objects, overlays."""
