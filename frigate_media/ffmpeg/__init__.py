"""ffmpeg: binary resolution, one async runner, in-process probing, and every command line we
run (`args/`, one module per job)."""
