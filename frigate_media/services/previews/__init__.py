"""Previews: GIF and MP4 encodes of a range, the preview lists, the current hour's frames."""
