"""The single mobility database: settings, engine, models shared by all, errors, Redis."""
