"""ffmpeg command lines, one module per job: pure functions of plain values (paths, numbers,
the strings a config holds), so every argv we run can be read and tested in one place."""
