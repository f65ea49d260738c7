"""Who is asking, and which cameras they may see: Frigate's auth model without its holes."""
