"""Pure algorithms on in-memory data: no database, HTTP or settings."""
