"""Errors of traffic counts: a file or body unusable as a whole, unknown batches and detectors."""

from __future__ import annotations

from mobility.errors import NotFound, ValidationFailed


class CountsFileInvalid(ValidationFailed):
    """The input cannot be read as counts at all (missing column, not text, no header):
    nothing is stored. Row-level problems are never this error: they are rejected rows."""

    type_slug = "traffic-counts-file-invalid"
    title = "Traffic counts file invalid"


class BatchNotFound(NotFound):
    type_slug = "traffic-count-batch-not-found"
    title = "Traffic count batch not found"


class DetectorNotFound(NotFound):
    type_slug = "traffic-detector-not-found"
    title = "Traffic detector not found"


class CountsSelectionInvalid(ValidationFailed):
    """Counts asked for a period without a time band, an empty date range, or a selection
    that finds no usable hour on any counted link."""

    type_slug = "traffic-counts-selection-invalid"
    title = "No usable counts for this selection"
