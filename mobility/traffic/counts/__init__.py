"""Traffic counts: detectors, raw counts with quality checks, 15-minute and hourly aggregates."""
