"""Compact JSON for the records of `records.py`, for their copies in Redis; pure.

Absent (None) fields and empty tuples are left out, dates are YYYYMMDD, enums their names;
decoding follows the dataclasses' type hints, so a record round-trips to an equal record.
"""

from __future__ import annotations

import json
import types
from dataclasses import fields, is_dataclass
from datetime import date, datetime
from enum import Enum
from functools import cache
from typing import Any, TypeVar, Union, get_args, get_origin, get_type_hints

T = TypeVar("T")


def dumps(record: object) -> str:
    return json.dumps(to_jsonable(record), separators=(",", ":"), ensure_ascii=False)


def loads(cls: type[T], text: str | bytes) -> T:
    return from_jsonable(cls, json.loads(text))


def to_jsonable(record: object) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in fields(record):  # type: ignore[arg-type]
        value = getattr(record, f.name)
        if value is None or value == ():
            continue
        out[f.name] = _encode(value)
    return out


def _encode(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        return to_jsonable(value)
    if isinstance(value, tuple):
        return [_encode(v) for v in value]
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, date):
        return value.strftime("%Y%m%d")
    return value


@cache
def _hints(cls: type) -> dict[str, Any]:
    return get_type_hints(cls)


def from_jsonable(cls: type[T], data: dict[str, Any]) -> T:
    hints = _hints(cls)  # type: ignore[arg-type]  # classes are hashable
    kwargs = {f.name: _decode(hints[f.name], data[f.name]) for f in fields(cls) if f.name in data}  # type: ignore[arg-type]
    return cls(**kwargs)


def _decode(tp: Any, value: Any) -> Any:
    if value is None:
        return None
    origin = get_origin(tp)
    if origin is Union or origin is types.UnionType:
        # Every union in the records is `X | None`.
        (inner,) = (a for a in get_args(tp) if a is not type(None))
        return _decode(inner, value)
    if origin is tuple:
        item = get_args(tp)[0]
        return tuple(_decode(item, v) for v in value)
    if tp is date:
        return datetime.strptime(value, "%Y%m%d").date()
    if isinstance(tp, type) and is_dataclass(tp):
        return from_jsonable(tp, value)
    if isinstance(tp, type) and issubclass(tp, Enum):
        return tp(value)
    if tp is float:
        return float(value)
    return value
