"""The ASGI entry point for uvicorn/gunicorn: `services.asgi:app`."""

from services.app import create_app
from services.logging_setup import configure_logging

# Each server process (uvicorn or gunicorn worker) imports this: its logging is ours from here.
configure_logging()
app = create_app()
