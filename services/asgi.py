"""The ASGI entry point for uvicorn/gunicorn: `services.asgi:app`."""

from services.app import create_app

app = create_app()
