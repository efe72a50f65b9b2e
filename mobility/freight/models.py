"""Tables of the freight network: data set versions, terminals and their opening hours, links per
mode, scheduled services and their weekly departures, emission factors per mode and per
transshipment.

One data set (a file such as `data/freight/ligurian_tuscan_freight.toml`) is current at a time.
Loading a changed file replaces links, services and factors in one transaction; terminals are
updated in place by code, so their ids stay stable across versions (terminals the new file
lacks are kept, inactive). Money is integer cents with its currency; times of day are local
to the version's `timezone` (Europe/Rome), weekdays 0 = Monday .. 6 = Sunday.
"""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Integer,
    SmallInteger,
    String,
    Text,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from mobility.models import Base, UTCDateTime

_CODE = 32
_MODE = 8


class FreightDatasetVersion(Base):
    """One loaded file; `content_sha256` of its canonical content makes a reload a no-op.

    The current version is the newest row: a version is only written when its file is loaded.
    """

    __tablename__ = "freight_dataset_versions"
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    dataset: Mapped[str] = mapped_column(String(_CODE), nullable=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    content_sha256: Mapped[str] = mapped_column(String(64), nullable=False)
    source: Mapped[str] = mapped_column(String(500), nullable=False)  # the file loaded
    timezone: Mapped[str] = mapped_column(String(64), nullable=False)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    tonnes_per_teu: Mapped[float] = mapped_column(Float, nullable=False)
    transshipment_rule: Mapped[str] = mapped_column(Text, nullable=False)
    # The file's [road_access] (first/last mile to coordinates), None when it has none.
    road_access: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    document: Mapped[str] = mapped_column(Text, nullable=False)  # canonical JSON of the file
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), nullable=False)


def _accepts() -> Mapped[str]:
    # Cargo kinds taken beyond dry general cargo, comma-separated: "reefer,hazardous" or "".
    return mapped_column(String(32), nullable=False, server_default="")


def _version_fk() -> Mapped[int]:
    return mapped_column(ForeignKey("freight_dataset_versions.id"), nullable=False, index=True)


class FreightTerminal(Base):
    """A port terminal, interporto, rail yard or customer site; its id is stable by code."""

    __tablename__ = "freight_terminals"
    __table_args__ = (
        CheckConstraint("handling_min >= 0", name="handling_min_not_negative"),
        CheckConstraint("handling_cost_cents >= 0", name="handling_cost_not_negative"),
        CheckConstraint("gate_capacity_teu_per_hour > 0", name="gate_capacity_positive"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(_CODE), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    municipality: Mapped[str] = mapped_column(String(200), nullable=False)
    lat: Mapped[float] = mapped_column(Float, nullable=False)
    lon: Mapped[float] = mapped_column(Float, nullable=False)
    modes: Mapped[str] = mapped_column(String(32), nullable=False)  # "road,rail,sea"
    handling_min: Mapped[int] = mapped_column(Integer, nullable=False)
    handling_cost_cents: Mapped[int] = mapped_column(Integer, nullable=False)  # per TEU
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    gate_capacity_teu_per_hour: Mapped[int] = mapped_column(Integer, nullable=False)
    accepts: Mapped[str] = _accepts()
    source: Mapped[str] = mapped_column(Text, nullable=False)
    estimated: Mapped[str] = mapped_column(Text, nullable=False)  # field names, comma-separated
    active: Mapped[bool] = mapped_column(Boolean, nullable=False)
    version_id: Mapped[int] = _version_fk()


class FreightTerminalHours(Base):
    """A terminal open on a weekday from `open_min` to `close_min` (minutes after local
    midnight; 1440 closes at midnight)."""

    __tablename__ = "freight_terminal_hours"
    __table_args__ = (
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_range"),
        CheckConstraint("open_min >= 0 AND close_min <= 1440", name="minutes_range"),
        CheckConstraint("open_min < close_min", name="opens_before_closing"),
    )

    terminal_id: Mapped[int] = mapped_column(
        ForeignKey("freight_terminals.id", ondelete="CASCADE"), primary_key=True
    )
    weekday: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    open_min: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    close_min: Mapped[int] = mapped_column(Integer, nullable=False)


class FreightLink(Base):
    """A way between two terminals by one mode (one direction; the file's two-way links are two
    rows), with its distance, time and cost per TEU."""

    __tablename__ = "freight_links"
    __table_args__ = (
        UniqueConstraint("mode", "from_terminal_id", "to_terminal_id"),
        CheckConstraint("distance_km > 0", name="distance_positive"),
        CheckConstraint("time_min > 0", name="time_positive"),
        CheckConstraint("cost_per_teu_cents >= 0", name="cost_not_negative"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    version_id: Mapped[int] = _version_fk()
    mode: Mapped[str] = mapped_column(String(_MODE), nullable=False)
    from_terminal_id: Mapped[int] = mapped_column(
        ForeignKey("freight_terminals.id"), nullable=False
    )
    to_terminal_id: Mapped[int] = mapped_column(
        ForeignKey("freight_terminals.id"), nullable=False, index=True
    )
    route: Mapped[str] = mapped_column(String(200), nullable=False)
    distance_km: Mapped[float] = mapped_column(Float, nullable=False)
    time_min: Mapped[int] = mapped_column(Integer, nullable=False)
    cost_per_teu_cents: Mapped[int] = mapped_column(Integer, nullable=False)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    emission_factor: Mapped[str] = mapped_column(
        ForeignKey("freight_emission_factors.code"), nullable=False
    )
    accepts: Mapped[str] = _accepts()
    source: Mapped[str] = mapped_column(Text, nullable=False)
    estimated: Mapped[str] = mapped_column(Text, nullable=False)


class FreightService(Base):
    """A scheduled rail or sea service between two terminals, running on weekly departures."""

    __tablename__ = "freight_services"
    __table_args__ = (
        CheckConstraint("transit_min > 0", name="transit_positive"),
        CheckConstraint("capacity_teu > 0", name="capacity_positive"),
        CheckConstraint("cutoff_min >= 0", name="cutoff_not_negative"),
        CheckConstraint("cost_per_teu_cents >= 0", name="cost_not_negative"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    version_id: Mapped[int] = _version_fk()
    code: Mapped[str] = mapped_column(String(_CODE), unique=True, nullable=False)
    mode: Mapped[str] = mapped_column(String(_MODE), nullable=False)
    operator: Mapped[str] = mapped_column(String(200), nullable=False)
    from_terminal_id: Mapped[int] = mapped_column(
        ForeignKey("freight_terminals.id"), nullable=False, index=True
    )
    to_terminal_id: Mapped[int] = mapped_column(
        ForeignKey("freight_terminals.id"), nullable=False, index=True
    )
    transit_min: Mapped[int] = mapped_column(Integer, nullable=False)
    capacity_teu: Mapped[int] = mapped_column(Integer, nullable=False)
    # Containers must be at the departure terminal this many minutes before departure.
    cutoff_min: Mapped[int] = mapped_column(Integer, nullable=False)
    cost_per_teu_cents: Mapped[int] = mapped_column(Integer, nullable=False)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    emission_factor: Mapped[str] = mapped_column(
        ForeignKey("freight_emission_factors.code"), nullable=False
    )
    accepts: Mapped[str] = _accepts()
    source: Mapped[str] = mapped_column(Text, nullable=False)
    estimated: Mapped[str] = mapped_column(Text, nullable=False)


class FreightServiceDeparture(Base):
    """A weekly departure of a service: weekday and local time (the version's time zone)."""

    __tablename__ = "freight_service_departures"
    __table_args__ = (CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_range"),)

    service_id: Mapped[int] = mapped_column(
        ForeignKey("freight_services.id", ondelete="CASCADE"), primary_key=True
    )
    weekday: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    departure_time: Mapped[time] = mapped_column(Time, primary_key=True)


class FreightEmissionFactor(Base):
    """Grams CO2e per tonne-km of a kind of vehicle of a mode, with the citation it comes from."""

    __tablename__ = "freight_emission_factors"
    __table_args__ = (CheckConstraint("g_co2e_per_tkm > 0", name="factor_positive"),)

    code: Mapped[str] = mapped_column(String(_CODE), primary_key=True)
    version_id: Mapped[int] = _version_fk()
    mode: Mapped[str] = mapped_column(String(_MODE), nullable=False)
    vehicle: Mapped[str] = mapped_column(String(200), nullable=False)
    g_co2e_per_tkm: Mapped[float] = mapped_column(Float, nullable=False)
    scope: Mapped[str] = mapped_column(String(3), nullable=False)  # WTW | TTW
    citation: Mapped[str] = mapped_column(Text, nullable=False)
    reference: Mapped[str] = mapped_column(String(500), nullable=False)
    uncertainty_pct: Mapped[int] = mapped_column(Integer, nullable=False)
    data_quality: Mapped[str] = mapped_column(String(16), nullable=False)
    mode_default: Mapped[bool] = mapped_column(Boolean, nullable=False)


class FreightTransshipmentFactor(Base):
    """Kilograms CO2e per TEU handled at a terminal of a kind, with its citation."""

    __tablename__ = "freight_transshipment_factors"
    __table_args__ = (CheckConstraint("kg_co2e_per_teu >= 0", name="factor_not_negative"),)

    terminal_kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    version_id: Mapped[int] = _version_fk()
    kg_co2e_per_teu: Mapped[float] = mapped_column(Float, nullable=False)
    citation: Mapped[str] = mapped_column(Text, nullable=False)
    reference: Mapped[str] = mapped_column(String(500), nullable=False)
    uncertainty_pct: Mapped[int] = mapped_column(Integer, nullable=False)
