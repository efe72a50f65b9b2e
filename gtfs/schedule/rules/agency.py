"""agency.txt: agency_id when several agencies, one timezone (and language) for all of them."""

from __future__ import annotations

from gtfs.schedule.context import Rule, ValidationContext
from gtfs.schedule.rules.index import Row, index_of
from gtfs.schedule.spec import FILES_BY_NAME, FileSpec

_AGENCY = FILES_BY_NAME["agency.txt"]


class AgencyRule(Rule):
    files = ("agency.txt",)

    def __init__(self, ctx: ValidationContext) -> None:
        super().__init__(ctx)
        self.index = index_of(ctx)
        self.i_id = _AGENCY.index_of("agency_id")
        self.i_tz = _AGENCY.index_of("agency_timezone")
        self.i_lang = _AGENCY.index_of("agency_lang")
        self.missing_ids: list[int] = []
        self.langs: list[tuple[int, str]] = []

    def on_row(self, spec: FileSpec, line: int, row: Row) -> None:  # noqa: ARG002
        if row[self.i_id] is None:
            self.missing_ids.append(line)
        self.index.agency_timezones.append((line, row[self.i_id], row[self.i_tz]))
        if row[self.i_lang] is not None:
            self.langs.append((line, row[self.i_lang]))

    def on_file_end(self, spec: FileSpec) -> None:
        agencies = self.index.agency_timezones
        if len(agencies) > 1:
            # agency_id is conditionally required: only a feed with several agencies needs it.
            for line in self.missing_ids:
                self.ctx.error(
                    "missing_required_field",
                    "agency_id is required when agency.txt has more than one agency",
                    file=spec.name,
                    line=line,
                    field="agency_id",
                )
        timezones = [(line, tz) for line, _, tz in agencies if tz is not None]
        if timezones:
            expected = timezones[0][1]
            for line, tz in timezones[1:]:
                if tz != expected:
                    self.ctx.error(
                        "inconsistent_agency_timezone",
                        f"agency_timezone {tz} differs from {expected}: agencies must share one",
                        file=spec.name,
                        line=line,
                        field="agency_timezone",
                        value=tz,
                        expected=expected,
                    )
        if self.langs:
            expected_lang = self.langs[0][1].lower()
            for line, lang in self.langs[1:]:
                if lang.lower() != expected_lang:
                    self.ctx.warning(
                        "inconsistent_agency_lang",
                        f"agency_lang {lang} differs from {self.langs[0][1]}",
                        file=spec.name,
                        line=line,
                        field="agency_lang",
                        value=lang,
                    )
