"""Test helpers shared across the suite: real media, real databases, configs and clients."""
