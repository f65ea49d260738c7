"""The HTTP layer: thin FastAPI routers, their dependencies and the one error handler."""
