"""Reach the wiring of an app under test: the app, its context, and through it its workers."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from frigate_media.context import AppContext


def app_of(client: TestClient) -> FastAPI:
    """The FastAPI app the client serves (e.g. to include a probe router)."""
    app = client.app
    assert isinstance(app, FastAPI), "the client does not serve a frigate-media app"
    return app


def context_of(client: TestClient) -> AppContext:
    """The AppContext the app was built with; a worker: `context_of(client).worker(Kind)`."""
    context = app_of(client).state.context
    assert isinstance(context, AppContext)
    return context
