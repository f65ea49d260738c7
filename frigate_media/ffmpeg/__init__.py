"""ffmpeg as a subprocess: binary resolution, one async runner, and in-process probing."""
