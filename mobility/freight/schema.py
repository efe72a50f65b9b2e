"""The freight data file (TOML): its schema as pydantic models, then the checks between sections.

Field types and ranges live in the models, with extra fields forbidden so a typo never passes
silently; `parse_freight(text)` is the one entry and reports every problem at once, each with
the path of the field (`services[3].departures[1].time`), like the tariff file's validation.
Nothing here touches the database.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from enum import StrEnum
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from mobility.config_files import HHMM_PATTERN, Weekday, file_error, parse_file
from mobility.freight.errors import FreightDataInvalid
from mobility.money import check_currency

MINUTES_PER_DAY = 24 * 60
MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY

Code = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.:-]{1,32}$")]
Name = Annotated[str, StringConstraints(min_length=1, max_length=200, strip_whitespace=True)]
Text = Annotated[str, StringConstraints(max_length=2000, strip_whitespace=True)]
Cents = Annotated[int, Field(ge=0, le=100_000_000, strict=True)]
Minutes = Annotated[int, Field(ge=0, le=MINUTES_PER_WEEK, strict=True)]


class Mode(StrEnum):
    ROAD = "road"
    RAIL = "rail"
    SEA = "sea"


# What a terminal, service or link declares it takes beyond dry general cargo: refrigerated
# containers (power: plugs or gensets) and dangerous goods (ADR road, RID rail, IMDG sea).
CargoKind = Literal["reefer", "hazardous"]
CARGO_KINDS: tuple[CargoKind, ...] = ("reefer", "hazardous")


def _distinct(values: list[CargoKind]) -> list[CargoKind]:
    if len(set(values)) != len(values):
        raise ValueError("lists a cargo kind twice")
    return values


Accepts = Annotated[list[CargoKind], AfterValidator(_distinct)]


class TerminalKind(StrEnum):
    PORT_TERMINAL = "port_terminal"
    INTERPORTO = "interporto"
    RAIL_YARD = "rail_yard"
    CUSTOMER_SITE = "customer_site"


def parse_hhmm(value: str, *, allow_24: bool = False) -> int:
    """'06:30' -> 390 minutes after midnight ('24:00' -> 1440 where an end of day is allowed)."""
    if allow_24 and value == "24:00":
        return MINUTES_PER_DAY
    if not isinstance(value, str) or not HHMM_PATTERN.match(value):
        end = ", or 24:00" if allow_24 else ""
        raise ValueError(f"must be a local time of day HH:MM (00:00..23:59{end}), not {value!r}")
    hours, minutes = value.split(":")
    return int(hours) * 60 + int(minutes)


def _hhmm(value: str) -> str:
    parse_hhmm(value)
    return value


def _hhmm_end(value: str) -> str:
    parse_hhmm(value, allow_24=True)
    return value


HHMM = Annotated[str, AfterValidator(_hhmm)]
HHMMEnd = Annotated[str, AfterValidator(_hhmm_end)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class _Documented(_Model):
    """An item that says where its figures come from and which of them are estimates."""

    source: Text = ""
    estimated: list[str] = []

    @model_validator(mode="after")
    def _estimated_names_fields(self) -> _Documented:
        fields = set(type(self).model_fields) - {"source", "estimated"}
        unknown = [name for name in self.estimated if name not in fields]
        if unknown:
            raise ValueError(
                f"estimated names {', '.join(map(repr, unknown))}, not fields of this item"
            )
        return self


class Source(_Model):
    id: Code
    title: Annotated[str, StringConstraints(min_length=1, max_length=500)]
    url: Text = ""


class OpeningHours(_Model):
    days: Annotated[list[Weekday], Field(min_length=1)]
    open: HHMM
    close: HHMMEnd

    @model_validator(mode="after")
    def _opens_before_closing(self) -> OpeningHours:
        if parse_hhmm(self.close, allow_24=True) <= parse_hhmm(self.open):
            raise ValueError(f"close {self.close} is not after open {self.open}")
        return self


class Terminal(_Documented):
    code: Code
    name: Name
    kind: TerminalKind
    municipality: Name
    lat: Annotated[float, Field(ge=-90, le=90)]
    lon: Annotated[float, Field(ge=-180, le=180)]
    modes: Annotated[list[Mode], Field(min_length=1)]
    opening_hours: Annotated[list[OpeningHours], Field(min_length=1)]
    handling_min: Annotated[int, Field(ge=0, le=MINUTES_PER_DAY, strict=True)]
    handling_cost_per_teu_cents: Cents
    gate_capacity_teu_per_hour: Annotated[int, Field(ge=1, le=100_000, strict=True)]
    # Dry general cargo always; reefer and hazardous only where listed.
    accepts: Accepts = []


class Link(_Documented):
    mode: Mode
    from_: Annotated[Code, Field(alias="from")]
    to: Code
    route: Name
    distance_km: Annotated[float, Field(gt=0, le=5_000)]
    time_min: Annotated[int, Field(ge=1, le=MINUTES_PER_WEEK, strict=True)]
    cost_per_teu_cents: Cents
    both_ways: bool = True
    emission_factor: Code | None = None
    # Roads and lines carry any cargo unless restricted (e.g. ADR tunnel categories).
    accepts: Accepts = list(CARGO_KINDS)


class Departure(_Model):
    day: Weekday
    time: HHMM

    def local_time(self) -> dt.time:
        minutes = parse_hhmm(self.time)
        return dt.time(minutes // 60, minutes % 60)


class Service(_Documented):
    code: Code
    mode: Mode
    operator: Name
    from_: Annotated[Code, Field(alias="from")]
    to: Code
    departures: Annotated[list[Departure], Field(min_length=1)]
    transit_min: Annotated[int, Field(ge=1, le=MINUTES_PER_WEEK, strict=True)]
    capacity_teu: Annotated[int, Field(ge=1, le=30_000, strict=True)]
    cutoff_min: Minutes
    cost_per_teu_cents: Cents
    emission_factor: Code | None = None
    # Dry general cargo always; reefer and hazardous only where listed.
    accepts: Accepts = []

    @field_validator("mode")
    @classmethod
    def _scheduled_mode(cls, mode: Mode) -> Mode:
        if mode is Mode.ROAD:
            raise ValueError("scheduled services are rail or sea; road is a link")
        return mode


class EmissionFactor(_Model):
    code: Code
    mode: Mode
    vehicle: Name
    g_co2e_per_tkm: Annotated[float, Field(gt=0, le=2_000)]
    scope: Annotated[str, StringConstraints(pattern=r"^(WTW|TTW)$")]
    source: Code
    reference: Annotated[str, StringConstraints(min_length=1, max_length=500)]
    uncertainty_pct: Annotated[int, Field(ge=0, le=200, strict=True)]
    # ISO 14083's kinds of data: default values (GLEC tables), modelled, or primary (measured).
    data_quality: Literal["default", "modelled", "primary"]
    # The factor of links and services of this mode that name none.
    mode_default: bool = False


class TransshipmentFactor(_Model):
    terminal_kind: TerminalKind
    kg_co2e_per_teu: Annotated[float, Field(ge=0, le=1_000)]
    source: Code
    reference: Annotated[str, StringConstraints(min_length=1, max_length=500)]
    uncertainty_pct: Annotated[int, Field(ge=0, le=200, strict=True)]


class Cargo(_Model):
    tonnes_per_teu: Annotated[float, Field(gt=0, le=30)]
    source: Code
    note: Text = ""


class Transshipment(_Model):
    rule: Annotated[str, StringConstraints(min_length=1, max_length=2000)]
    factors: Annotated[list[TransshipmentFactor], Field(min_length=1)]


class RoadAccess(_Documented):
    """First and last mile between a point (a shipper's coordinates) and a terminal: the road
    formula of the data set on the great-circle distance times `circuity_factor`."""

    circuity_factor: Annotated[float, Field(ge=1, le=3)]
    speed_kmh: Annotated[float, Field(gt=0, le=130)]
    access_min: Annotated[int, Field(ge=0, le=MINUTES_PER_DAY, strict=True)]
    base_cost_per_teu_cents: Cents
    cost_per_km_per_teu_cents: Cents
    max_distance_km: Annotated[float, Field(gt=0, le=2_000)]
    emission_factor: Code | None = None


class FreightData(_Model):
    dataset: Code
    title: Name
    timezone: str
    currency: str
    sources: Annotated[list[Source], Field(min_length=1)]
    cargo: Cargo
    terminals: Annotated[list[Terminal], Field(min_length=1)]
    links: list[Link] = []
    services: list[Service] = []
    emission_factors: Annotated[list[EmissionFactor], Field(min_length=1)]
    transshipment: Transshipment
    road_access: RoadAccess | None = None

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("currency")
    @classmethod
    def _currency(cls, value: str) -> str:
        return check_currency(value)

    def default_factor(self, mode: Mode) -> str | None:
        """The code of the mode's `mode_default` emission factor, if any."""
        for factor in self.emission_factors:
            if factor.mode is mode and factor.mode_default:
                return factor.code
        return None

    def document(self) -> dict[str, Any]:
        """The canonical content (what the checksum covers): comments and layout excluded."""
        return self.model_dump(mode="json", by_alias=True)


# -- errors and cross-checks ------------------------------------------------------------


def invalid(problems: list[dict[str, str]], source: str = "") -> FreightDataInvalid:
    """One error for the whole freight file (see `mobility.config_files.file_error`)."""
    return file_error(FreightDataInvalid, problems, source)


def cross_check(data: FreightData) -> list[dict[str, str]]:
    """Problems between sections: unique codes, known terminals and sources, allowed modes."""
    problems: list[dict[str, str]] = []

    def add(path: str, message: str) -> None:
        problems.append({"path": path, "message": message})

    def unique(section: str, field: str, values: Sequence[str]) -> None:
        seen: set[str] = set()
        for i, value in enumerate(values):
            if value in seen:
                add(f"{section}[{i}].{field}", f"duplicate {field} {value!r}")
            seen.add(value)

    unique("sources", "id", [s.id for s in data.sources])
    unique("terminals", "code", [t.code for t in data.terminals])
    unique("services", "code", [s.code for s in data.services])
    sources = {s.id for s in data.sources}
    terminals = {t.code: t for t in data.terminals}

    def known_source(path: str, ident: str) -> None:
        if ident not in sources:
            add(path, f"unknown source {ident!r} (cite one of [[sources]])")

    def served(path: str, code: str, mode: Mode) -> None:
        terminal = terminals.get(code)
        if terminal is None:
            add(path, f"unknown terminal {code!r}")
        elif mode not in terminal.modes:
            add(path, f"terminal {code!r} is not served by {mode.value}")

    known_source("cargo.source", data.cargo.source)
    for i, terminal in enumerate(data.terminals):
        spans: dict[Weekday, list[tuple[int, int]]] = {}
        for j, hours in enumerate(terminal.opening_hours):
            start, end = parse_hhmm(hours.open), parse_hhmm(hours.close, allow_24=True)
            for day in hours.days:
                if any(start < b and a < end for a, b in spans.get(day, [])):
                    add(f"terminals[{i}].opening_hours[{j}]", f"overlaps other hours on {day}")
                spans.setdefault(day, []).append((start, end))
    seen_links: set[tuple[Mode, str, str]] = set()
    for i, link in enumerate(data.links):
        served(f"links[{i}].from", link.from_, link.mode)
        served(f"links[{i}].to", link.to, link.mode)
        if link.from_ == link.to:
            add(f"links[{i}].to", "a link joins two different terminals")
        ends = [(link.from_, link.to)] + ([(link.to, link.from_)] if link.both_ways else [])
        for a, b in ends:
            if (link.mode, a, b) in seen_links:
                add(f"links[{i}]", f"a second {link.mode.value} link from {a!r} to {b!r}")
            seen_links.add((link.mode, a, b))
    for i, service in enumerate(data.services):
        served(f"services[{i}].from", service.from_, service.mode)
        served(f"services[{i}].to", service.to, service.mode)
        if service.from_ == service.to:
            add(f"services[{i}].to", "a service runs between two different terminals")
        if (service.mode, service.from_, service.to) not in seen_links:
            # The link's distance gives the service's tonne-km, hence its CO2e.
            add(
                f"services[{i}]",
                f"no {service.mode.value} link from {service.from_!r} to {service.to!r} "
                "gives its distance",
            )
        for code in (service.from_, service.to):
            held = terminals.get(code)
            if held is not None and (missing := set(service.accepts) - set(held.accepts)):
                add(
                    f"services[{i}].accepts",
                    f"takes {', '.join(sorted(missing))} but terminal {code!r} does not",
                )
        departures = [(d.day, d.time) for d in service.departures]
        origin = terminals.get(service.from_)
        for j, (day, at) in enumerate(departures):
            if (day, at) in departures[:j]:
                add(f"services[{i}].departures[{j}]", "the same departure twice")
            elif origin is not None and not _is_open(origin, day, parse_hhmm(at)):
                add(
                    f"services[{i}].departures[{j}]",
                    f"terminal {origin.code!r} is closed on {day.value} at {at} "
                    "(see its opening_hours)",
                )
    unique("emission_factors", "code", [f.code for f in data.emission_factors])
    by_code = {f.code: f for f in data.emission_factors}
    for i, factor in enumerate(data.emission_factors):
        known_source(f"emission_factors[{i}].source", factor.source)
    for mode in Mode:
        defaults = [f.code for f in data.emission_factors if f.mode is mode and f.mode_default]
        if len(defaults) > 1:
            add("emission_factors", f"{len(defaults)} mode_default factors for {mode.value}")
    routed: list[tuple[str, Sequence[Link | Service]]] = [
        ("links", data.links),
        ("services", data.services),
    ]
    for section, items in routed:
        for i, item in enumerate(items):
            where = f"{section}[{i}]"
            if item.emission_factor is None:
                if data.default_factor(item.mode) is None:
                    add(
                        f"{where}.emission_factor",
                        f"none given and no mode_default factor for {item.mode.value}",
                    )
                continue
            named = by_code.get(item.emission_factor)
            if named is None:
                add(f"{where}.emission_factor", f"unknown factor {item.emission_factor!r}")
            elif named.mode is not item.mode:
                add(
                    f"{where}.emission_factor",
                    f"factor {named.code!r} is for {named.mode.value}, not {item.mode.value}",
                )
    access = data.road_access
    if access is not None:
        if access.emission_factor is None:
            if data.default_factor(Mode.ROAD) is None:
                add("road_access.emission_factor", "none given and no mode_default road factor")
        elif (named := by_code.get(access.emission_factor)) is None or named.mode is not Mode.ROAD:
            add("road_access.emission_factor", f"no road factor {access.emission_factor!r}")
    factors = data.transshipment.factors
    unique("transshipment.factors", "terminal_kind", [f.terminal_kind.value for f in factors])
    for i, hub in enumerate(factors):
        known_source(f"transshipment.factors[{i}].source", hub.source)
    kinds = {t.kind for t in data.terminals} - {f.terminal_kind for f in factors}
    if kinds:
        names = ", ".join(sorted(k.value for k in kinds))
        add("transshipment.factors", f"no factor for terminal kind {names}")
    return problems


def _is_open(terminal: Terminal, day: Weekday, minute: int) -> bool:
    return any(
        day in hours.days
        and parse_hhmm(hours.open) <= minute < parse_hhmm(hours.close, allow_24=True)
        for hours in terminal.opening_hours
    )


def parse_freight(text: str, *, source: str = "") -> FreightData:
    """Parse and validate a freight data file's text; FreightDataInvalid lists every problem."""
    return parse_file(text, FreightData, cross_check, FreightDataInvalid, source=source)
