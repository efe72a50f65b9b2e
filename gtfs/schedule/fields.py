"""Parse and check one GTFS value of each field type; a bad value raises `FieldError`.

Parsers are built once per column (`parser_for`) so the row loop calls one function a value.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import available_timezones

import langcodes
from babel.numbers import get_currency_precision, list_currencies
from email_validator import EmailNotValidError, validate_email

from gtfs.schedule.spec import Field, FieldType

Parser = Callable[[str], Any]


class FieldError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


_INT_RE = re.compile(r"-?\d+\Z")
_COLOR_RE = re.compile(r"[0-9A-Fa-f]{6}\Z")
_AMOUNT_RE = re.compile(r"-?\d+(\.\d+)?\Z")


def parse_time(value: str) -> int:
    """Seconds since noon minus 12 h of the service day; hours may exceed 23 (GTFS)."""
    parts = value.split(":")
    if len(parts) == 3:
        h, m, s = parts
        if (
            0 < len(h) <= 3
            and len(m) == 2
            and len(s) == 2
            and h.isdigit()
            and m.isdigit()
            and s.isdigit()
        ):
            mi, se = int(m), int(s)
            if mi < 60 and se < 60:
                return int(h) * 3600 + mi * 60 + se
    raise FieldError("invalid_time", f"'{value}' is not a time in H:MM:SS or HH:MM:SS")


def format_time(seconds: int | None) -> str | None:
    """GTFS HH:MM:SS (hours may exceed 23); None stays None."""
    if seconds is None:
        return None
    h, rest = divmod(seconds, 3600)
    return f"{h:02d}:{rest // 60:02d}:{rest % 60:02d}"


@lru_cache(maxsize=8192)
def parse_date(value: str) -> date:
    if len(value) == 8 and value.isdigit():
        try:
            return date(int(value[:4]), int(value[4:6]), int(value[6:]))
        except ValueError:
            pass
    raise FieldError("invalid_date", f"'{value}' is not a calendar date in YYYYMMDD")


def _parse_int(value: str) -> int:
    if _INT_RE.match(value):
        return int(value)
    raise FieldError("invalid_integer", f"'{value}' is not an integer")


def _parse_float(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise FieldError("invalid_float", f"'{value}' is not a number") from None
    if number != number or number in (float("inf"), float("-inf")):
        raise FieldError("invalid_float", f"'{value}' is not a finite number")
    return number


def _ranged(parse: Parser, lo: float | None, hi: float | None, name: str) -> Parser:
    if lo is None and hi is None:
        return parse

    def check(value: str) -> Any:
        number = parse(value)
        if (lo is not None and number < lo) or (hi is not None and number > hi):
            bounds = f"[{'-inf' if lo is None else lo}, {'inf' if hi is None else hi}]"
            raise FieldError("number_out_of_range", f"{name}={value} is outside {bounds}")
        return number

    return check


def _enum_parser(values: tuple[int, ...], name: str) -> Parser:
    known = {str(v): v for v in values}

    def parse(value: str) -> int:
        hit = known.get(value)
        if hit is not None:
            return hit
        number = _parse_int(value)
        if number in values:
            return number
        raise FieldError(
            "unexpected_enum_value", f"{name}={value} is not one of {', '.join(known)}"
        )

    return parse


def _parse_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or " " in value:
        raise FieldError("invalid_url", f"'{value}' is not an http(s) URL")
    return value


@lru_cache(maxsize=1024)
def _parse_email(value: str) -> str:
    try:
        validate_email(value, check_deliverability=False)
    except EmailNotValidError as exc:
        raise FieldError("invalid_email", f"'{value}' is not an e-mail address ({exc})") from None
    return value


@lru_cache(maxsize=1024)
def _parse_language(value: str) -> str:
    if not langcodes.tag_is_valid(value):
        raise FieldError("invalid_language_code", f"'{value}' is not an IETF BCP 47 language tag")
    return value


@lru_cache(maxsize=1)
def _timezones() -> frozenset[str]:
    return frozenset(available_timezones())


def _parse_timezone(value: str) -> str:
    if value not in _timezones():
        raise FieldError("invalid_timezone", f"'{value}' is not a TZ database time zone")
    return value


def _parse_color(value: str) -> str:
    if not _COLOR_RE.match(value):
        raise FieldError("invalid_color", f"'{value}' is not a six-digit hexadecimal colour")
    return value.upper()


@lru_cache(maxsize=1)
def _currencies() -> frozenset[str]:
    return frozenset(list_currencies())


def _parse_currency(value: str) -> str:
    if value not in _currencies():
        raise FieldError("invalid_currency", f"'{value}' is not an ISO 4217 currency code")
    return value


def parse_amount(value: str) -> Decimal:
    if not _AMOUNT_RE.match(value):
        raise FieldError("invalid_currency_amount", f"'{value}' is not a decimal amount")
    try:
        return Decimal(value)
    except InvalidOperation:
        raise FieldError("invalid_currency_amount", f"'{value}' is not a decimal amount") from None


def amount_to_minor_units(amount: Decimal, currency: str) -> int:
    """Integer minor units (cents for EUR); more decimals than the currency has is an error."""
    precision = get_currency_precision(currency)
    scaled = amount.scaleb(precision)
    if scaled != scaled.to_integral_value():
        raise FieldError(
            "invalid_currency_amount",
            f"{amount} has more decimal places than {currency} allows ({precision})",
        )
    return int(scaled)


def _identity(value: str) -> str:
    return value


def _parse_id(value: str) -> str:
    if not value.isprintable():
        raise FieldError(
            "non_printable_char_in_id", f"identifier '{value!r}' has non-printable characters"
        )
    return value


def parser_for(spec_field: Field) -> Parser:
    """The parser of one column, with its enum and range checks folded in."""
    t, name = spec_field.type, spec_field.name
    simple: dict[FieldType, Parser] = {
        FieldType.ID: _parse_id,
        FieldType.TEXT: _identity,
        FieldType.PHONE: _identity,
        FieldType.URL: _parse_url,
        FieldType.EMAIL: _parse_email,
        FieldType.LANGUAGE: _parse_language,
        FieldType.TIMEZONE: _parse_timezone,
        FieldType.COLOR: _parse_color,
        FieldType.CURRENCY: _parse_currency,
        FieldType.AMOUNT: parse_amount,
        FieldType.DATE: parse_date,
        FieldType.TIME: parse_time,
    }
    if t in simple:
        return simple[t]
    if t is FieldType.ENUM:
        return _enum_parser(spec_field.enum, name)
    if t is FieldType.INT:
        return _ranged(_parse_int, spec_field.min, spec_field.max, name)
    if t is FieldType.LAT:
        return _ranged(_parse_float, -90.0, 90.0, name)
    if t is FieldType.LON:
        return _ranged(_parse_float, -180.0, 180.0, name)
    if t is FieldType.FLOAT:
        return _ranged(_parse_float, spec_field.min, spec_field.max, name)
    raise AssertionError(f"no parser for {t}")
