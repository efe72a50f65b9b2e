"""GTFS Schedule: the reference as data, a streaming reader, and the validator."""
