"""Domain logic behind the routes; no FastAPI here."""
