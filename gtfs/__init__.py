"""GTFS Schedule and Realtime: parse, validate, store, query."""
