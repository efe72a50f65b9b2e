"""Hand-written data files (TOML checked by a pydantic model, then across sections): parsing
them and reporting every problem by its path (`services[3].departures[1]: ...`) in one error.
The tariff file (ticketing) and the freight data set (mobility.freight) both read this way."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Sequence
from enum import StrEnum
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from mobility.errors import MobilityError

MAX_REPORTED = 50  # problems listed in one error; a broken file rarely needs more to be fixed
HHMM_PATTERN = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")

Problem = dict[str, str]  # {"path": ..., "message": ...}
M = TypeVar("M", bound=BaseModel)
E = TypeVar("E", bound=MobilityError)


class Weekday(StrEnum):
    MON = "mon"
    TUE = "tue"
    WED = "wed"
    THU = "thu"
    FRI = "fri"
    SAT = "sat"
    SUN = "sun"

    @property
    def number(self) -> int:
        """Monday 0 .. Sunday 6, as `date.weekday()`."""
        return list(Weekday).index(self)


def format_loc(loc: Sequence[int | str]) -> str:
    """('products', 3, 'prices', 'student') -> 'products[3].prices.student'."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(file)"


def pydantic_problems(exc: ValidationError) -> list[Problem]:
    """The model's errors as problems by path."""
    problems = []
    for error in exc.errors(include_url=False):
        # Union members ('list[...]', literal['*']) and validator names add noise to the path.
        loc = [
            p
            for p in error["loc"]
            if isinstance(p, int) or not (("[" in p) or p.startswith("function-"))
        ]
        message = error["msg"].removeprefix("Value error, ")
        problems.append({"path": format_loc(loc), "message": message})
    return problems


def file_error(error: Callable[..., E], problems: list[Problem], source: str = "") -> E:
    """One error for the whole file: the first problems in `detail`, all of them listed."""
    shown = problems[:MAX_REPORTED]
    head = "; ".join(f"{p['path']}: {p['message']}" for p in shown[:5])
    more = f" (and {len(problems) - 5} more)" if len(problems) > 5 else ""
    where = f"{source}: " if source else ""
    return error(f"{where}{head}{more}", errors=shown)


def parse_file(
    text: str,
    model: type[M],
    cross_check: Callable[[M], list[Problem]],
    error: Callable[..., MobilityError],
    *,
    source: str = "",
) -> M:
    """Parse TOML `text` into `model` and check it across sections; `error` (a MobilityError
    class taking `errors=`) lists every problem found by the first stage that fails."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        problem = {"path": "(file)", "message": f"not valid TOML: {exc}"}
        raise file_error(error, [problem], source) from exc
    try:
        parsed = model.model_validate(raw)
    except ValidationError as exc:
        raise file_error(error, pydantic_problems(exc), source) from exc
    if problems := cross_check(parsed):
        raise file_error(error, problems, source)
    return parsed
