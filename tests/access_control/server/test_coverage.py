"""The pure coverage and entry-order functions shared by offline gates and online validation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from access_control.coverage import GatePlace, coverage_refusal, entry_refusal
from access_control.reasons import Reason
from access_control.tokens import PassClaims

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
PLACE = GatePlace("ATL", "LITO", ("Z1",))


def claims(**changes: Any) -> PassClaims:
    fields: dict[str, Any] = {
        "pass_id": "P1",
        "product": "SETT7",
        "rider_category": "ADU",
        "operators": ("ATL",),
        "networks": ("LITO",),
        "zones": ("Z1",),
        "valid_from": NOW - timedelta(hours=1),
        "valid_until": NOW + timedelta(days=1),
        "single_use": False,
        "device_key": b"\0" * 32,
    }
    fields.update(changes)
    return PassClaims(**fields)


@pytest.mark.parametrize(
    ("changes", "place", "expected"),
    [
        ({}, PLACE, None),
        ({"operators": ("*",), "networks": ("*",), "zones": ("*",)}, PLACE, None),
        ({"operators": ("CTT",)}, PLACE, Reason.WRONG_OPERATOR),
        ({"networks": ("OTHER",)}, PLACE, Reason.WRONG_GATE_ZONE),
        ({"zones": ("Z2",)}, PLACE, Reason.WRONG_GATE_ZONE),
        ({}, GatePlace("ATL", "LITO", ("Z1", "Z2")), Reason.WRONG_GATE_ZONE),
    ],
)
def test_coverage(changes: dict[str, Any], place: GatePlace, expected: Reason | None) -> None:
    """Operator first, then every zone of the gate on its network."""
    assert coverage_refusal(claims(**changes), place) is expected


def test_entry_order_is_lazy_and_fixed() -> None:
    """Revoked beats coverage beats single use beats passback; later checks are not asked."""
    asked: list[str] = []

    def check(name: str, answer: bool) -> Any:
        def predicate() -> bool:
            asked.append(name)
            return answer

        return predicate

    single = claims(single_use=True)
    assert (
        entry_refusal(
            single,
            PLACE,
            revoked=check("revoked", True),
            consumed=check("consumed", True),
            passback=check("passback", True),
        )
        is Reason.REVOKED
    )
    assert asked == ["revoked"]
    asked.clear()
    assert (
        entry_refusal(
            claims(operators=("CTT",), single_use=True),
            PLACE,
            revoked=check("revoked", False),
            consumed=check("consumed", True),
            passback=check("passback", True),
        )
        is Reason.WRONG_OPERATOR
    )
    assert asked == ["revoked"]
    asked.clear()
    assert (
        entry_refusal(
            claims(),
            PLACE,
            revoked=check("revoked", False),
            consumed=check("consumed", True),
            passback=check("passback", False),
        )
        is None
    )
    assert asked == ["revoked", "passback"]  # multi-use: single use is never asked
    asked.clear()
    assert (
        entry_refusal(
            single,
            PLACE,
            revoked=check("revoked", False),
            consumed=check("consumed", False),
            passback=check("passback", True),
        )
        is Reason.PASSBACK
    )
    assert asked == ["revoked", "consumed", "passback"]
