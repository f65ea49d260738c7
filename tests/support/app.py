"""Reach the wiring of an app under test: the app, its context, and through it its workers."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from frigate_media.app import RouteServices
from frigate_media.context import AppContext
from frigate_media.frames.processor import FrameProcessor


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


def services_of(client: TestClient) -> RouteServices:
    """The components the routes call (frame processor, HLS, manual events)."""
    services = app_of(client).state.services
    assert isinstance(services, RouteServices)
    return services


def frames_of(client: TestClient) -> FrameProcessor:
    """The app's frame processor (it exists also when no worker runs)."""
    return services_of(client).frames
