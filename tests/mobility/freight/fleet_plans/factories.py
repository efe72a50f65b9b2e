"""Requests of fleet plans on the shipped freight network, and a check of a returned plan
against every constraint of its request, read from the JSON alone."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from mobility.freight.gate_slots.hours import opening_intervals
from mobility.freight.gate_slots.repository import terminal_by_code, weekly_hours

ROME = ZoneInfo("Europe/Rome")
DAY = datetime(2026, 11, 30, tzinfo=ROME)  # a Monday: every terminal opens


def at(hour: float, day: datetime = DAY) -> str:
    return (day + timedelta(hours=hour)).isoformat()


def truck_group(
    gid: str = "LIV", depot: str = "LIV-TDT", count: int = 3, **extra: Any
) -> dict[str, Any]:
    return {
        "id": gid,
        "count": count,
        "depot": {"terminal": depot},
        "capacity_teu": 2,
        "shift_start": at(5),
        "shift_end": at(21),
        "cost_per_km_cents": 120,
        "cost_per_hour_cents": 3500,
        "fixed_cost_cents": 15000,
        **extra,
    }


def job(
    jid: str,
    pickup: dict[str, Any],
    delivery: dict[str, Any],
    *,
    teu: int = 1,
    kg: int = 14_000,
    pickup_window: tuple[float, float] | None = None,
    delivery_window: tuple[float, float] | None = None,
) -> dict[str, Any]:
    def end(place: dict[str, Any], window: tuple[float, float] | None) -> dict[str, Any]:
        body: dict[str, Any] = {"place": place}
        if window is not None:
            body["window"] = {"start": at(window[0]), "end": at(window[1])}
        return body

    return {
        "id": jid,
        "pickup": end(pickup, pickup_window),
        "delivery": end(delivery, delivery_window),
        "teu": teu,
        "gross_weight_kg": kg,
    }


def port_day_request(**extra: Any) -> dict[str, Any]:
    """A drayage day around Livorno and La Spezia: port terminals, the interporto, customers
    off the network (Pontedera industrial area by coordinates), windows at both ends."""
    customer = {"lat": 43.6632, "lon": 10.6336}
    jobs = [
        job(
            "J1",
            {"terminal": "LIV-TDT"},
            {"terminal": "GUA"},
            teu=2,
            kg=24_000,
            pickup_window=(6, 10),
            delivery_window=(7, 14),
        ),
        job(
            "J2", {"terminal": "LIV-LOR"}, customer, pickup_window=(7, 12), delivery_window=(9, 16)
        ),
        job("J3", {"terminal": "GUA"}, {"terminal": "LIV-TDT"}, kg=8_000, pickup_window=(10, 15)),
        job(
            "J4",
            {"terminal": "LSP-LSCT"},
            {"terminal": "SSM-RETRO"},
            teu=2,
            kg=26_000,
            pickup_window=(8, 13),
            delivery_window=(9, 17),
        ),
        job("J5", customer, {"terminal": "LIV-RORO"}, kg=11_000, delivery_window=(12, 19)),
        job("J6", {"terminal": "SSM-RETRO"}, {"terminal": "LSP-TDG"}, pickup_window=(14, 17)),
    ]
    return {
        "trucks": [truck_group(), truck_group("SPE", "LSP-LSCT", count=2)],
        "jobs": jobs,
        "time_budget_s": 2,
        **extra,
    }


def _dt(text: str) -> datetime:
    return datetime.fromisoformat(text)


def plan_violations(session: Session, request: dict[str, Any], result: dict[str, Any]) -> list[str]:
    """Every constraint of `request` the returned plan breaks (empty when it keeps them all):
    windows (and gate-slot windows, given as `slot_windows[(job, kind)]` in the request),
    terminal opening hours for the whole service, capacity, pairing on one truck with the
    pickup first, shifts, and each job served or reported."""
    errors: list[str] = []
    groups = {g["id"]: g for g in request["trucks"]}
    jobs = {j["id"]: j for j in request["jobs"]}
    slot_windows = request.get("_slot_windows", {})
    zone = ROME
    seen: dict[str, list[tuple[str, str]]] = defaultdict(list)
    used: dict[str, set[int]] = defaultdict(set)
    for route in result["routes"]:
        group = groups[route["truck_group"]]
        label = f"{group['id']}#{route['truck']}"
        if route["truck"] in used[group["id"]] or not 1 <= route["truck"] <= group["count"]:
            errors.append(f"{label}: no such truck or used twice")
        used[group["id"]].add(route["truck"])
        if _dt(route["leave_at"]) < _dt(group["shift_start"]):
            errors.append(f"{label} leaves before its shift")
        if _dt(route["back_at"]) > _dt(group["shift_end"]):
            errors.append(f"{label} is back after its shift")
        load, clock = 0, _dt(route["leave_at"])
        for stop in route["stops"]:
            jid, kind = stop["job"], stop["kind"]
            item = jobs[jid]
            end = item[kind]
            seen[jid].append((label, kind))
            arrival, start, departure = (
                _dt(stop["arrival"]),
                _dt(stop["start"]),
                _dt(stop["departure"]),
            )
            if not clock <= arrival <= start <= departure:
                errors.append(f"{label} {jid} {kind}: times out of order")
            clock = departure
            service = timedelta(minutes=end.get("service_min") or 0)
            window = end.get("window")
            if window and not _dt(window["start"]) <= start <= _dt(window["end"]):
                errors.append(f"{label} {jid} {kind}: starts {start} outside its window")
            slot = slot_windows.get(f"{jid}:{kind}")
            if slot and not slot[0] <= start <= slot[1]:
                errors.append(f"{label} {jid} {kind}: starts {start} outside its gate slot")
            code = end["place"].get("terminal")
            if code is not None:
                terminal = terminal_by_code(session, code)
                assert terminal is not None
                if end.get("service_min") is None:
                    service = timedelta(minutes=terminal.handling_min)
                opens = opening_intervals(
                    weekly_hours(session, terminal.id),
                    zone,
                    start - timedelta(days=1),
                    start + timedelta(days=1),
                )
                if not any(a <= start and start + service <= b for a, b in opens):
                    errors.append(f"{label} {jid} {kind}: {code} is closed at {start}")
            if departure < start + service:
                errors.append(f"{label} {jid} {kind}: leaves before its service is done")
            load += item["teu"] if kind == "pickup" else -item["teu"]
            if not 0 <= load <= group["capacity_teu"] or load != stop["load_teu"]:
                errors.append(f"{label} {jid} {kind}: load {load} (reported {stop['load_teu']})")
    unassigned = {u["job"] for u in result["unassigned"]}
    for jid in jobs:
        served = seen.get(jid, [])
        if jid in unassigned:
            if served:
                errors.append(f"{jid}: served and unassigned")
        elif [k for _, k in served] != ["pickup", "delivery"] or served[0][0] != served[1][0]:
            errors.append(f"{jid}: served as {served} (pickup then delivery on one truck)")
    return errors
