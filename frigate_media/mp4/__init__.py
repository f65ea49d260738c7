"""Virtual MP4s: sample tables of stored segments, and clips assembled from them by byte range.

`reader` parses a segment's `moov` into per-track sample tables, `index` keeps them per file
identity in our scratch directory, `virtual` assembles the `ftyp`+`moov`+`mdat` of a VOD plan whose
media bytes stay in the source files. Anything the assembler cannot prove it handles raises
`CannotAssemble`, and the caller falls back to ffmpeg.
"""
