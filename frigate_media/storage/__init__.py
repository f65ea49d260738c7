"""Frigate's SQLite schema as peewee models, the database opener and the media paths."""
