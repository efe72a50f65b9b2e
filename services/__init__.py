"""Composition only: the FastAPI app, the CLI and the background worker."""
