"""Event and review media: rows, files, snapshots, thumbnails, clip ranges, manual events."""
