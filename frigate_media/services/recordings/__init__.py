"""Recordings: the overlap query, the VOD plan and its URL forms, clips, single frames, Frigate+."""
