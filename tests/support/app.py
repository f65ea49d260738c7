"""Reach the wiring of an app under test: its context, and through it its workers."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from frigate_media.context import AppContext


def context_of(client: TestClient) -> AppContext:
    """The AppContext the app was built with; a worker: `context_of(client).worker(Kind)`."""
    app = client.app
    assert isinstance(app, FastAPI), "the client does not serve a frigate-media app"
    context = app.state.context
    assert isinstance(context, AppContext)
    return context
