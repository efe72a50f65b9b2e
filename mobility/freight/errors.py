"""Errors of the freight domain."""

from __future__ import annotations

from mobility.errors import ValidationFailed


class FreightDataInvalid(ValidationFailed):
    """A freight data file that is not valid TOML, breaks the schema or refers to nothing.

    The detail names the file and the path of each problem (`services[3].departures[1]: ...`);
    `errors` (a problem+json extension member) lists them all as `{path, message}`.
    """

    type_slug = "freight-data-invalid"
    title = "Invalid freight data file"
