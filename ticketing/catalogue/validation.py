"""Validation of a tariff file: TOML syntax, the schema, then references between sections.

`parse_tariffs(text)` is the one entry. Every problem found is reported with the path of the
field, e.g. `products[3].prices.student`, so an authority's analyst can fix a file without
reading code; all problems are reported at once, not one per attempt.
"""

from __future__ import annotations

from collections.abc import Sequence

from mobility.config_files import file_error, parse_file
from ticketing.catalogue.config import ALL, TariffConfig
from ticketing.errors import TariffConfigInvalid


def invalid(problems: list[dict[str, str]], source: str = "") -> TariffConfigInvalid:
    """One error for the whole tariff file (see `mobility.config_files.file_error`)."""
    return file_error(TariffConfigInvalid, problems, source)


# -- cross-checks -------------------------------------------------------------------------


class _Problems:
    def __init__(self) -> None:
        self.items: list[dict[str, str]] = []

    def add(self, path: str, message: str) -> None:
        self.items.append({"path": path, "message": message})

    def unique(self, section: str, ids: Sequence[str]) -> None:
        seen: set[str] = set()
        for i, ident in enumerate(ids):
            if ident in seen:
                self.add(f"{section}[{i}].id", f"duplicate id {ident!r}")
            seen.add(ident)

    def known(self, path: str, ident: str, known: set[str], what: str) -> None:
        if ident not in known:
            self.add(path, f"unknown {what} {ident!r}")


def cross_check(config: TariffConfig) -> list[dict[str, str]]:
    """Problems between sections: references, the default category, sharing rules."""
    problems = _Problems()
    for section in (
        "operators",
        "networks",
        "zones",
        "rider_categories",
        "fare_media",
        "facilities",
        "products",
    ):
        problems.unique(section, [item.id for item in getattr(config, section)])
    operators = {o.id for o in config.operators}
    network_by_id = {n.id: n for n in config.networks}
    networks = set(network_by_id)
    zones = {z.id for z in config.zones}
    categories = {c.id for c in config.rider_categories}
    media = {m.id for m in config.fare_media}
    facilities = {f.id: f for f in config.facilities}
    products = {p.id: p for p in config.products}

    defaults = [c.id for c in config.rider_categories if c.is_default]
    if len(defaults) != 1:
        problems.add(
            "rider_categories",
            f"exactly one rider category has is_default = true, not {len(defaults)}"
            + (f" ({', '.join(defaults)})" if defaults else ""),
        )
    for i, network in enumerate(config.networks):
        for j, op in enumerate(network.operators):
            problems.known(f"networks[{i}].operators[{j}]", op, operators, "operator")
    for i, facility in enumerate(config.facilities):
        problems.known(f"facilities[{i}].operator", facility.operator, operators, "operator")
        problems.known(f"facilities[{i}].zone", facility.zone, zones, "zone")
    for i, product in enumerate(config.products):
        where = f"products[{i}]"
        for category, _amount in product.prices.items():
            problems.known(f"{where}.prices.{category}", category, categories, "rider category")
        if len(defaults) == 1 and defaults[0] not in product.prices:
            problems.add(f"{where}.prices", f"no price for the default category {defaults[0]!r}")
        for field, known, what in (
            ("operators", operators, "operator"),
            ("networks", networks, "network"),
            ("zones", zones, "zone"),
        ):
            coverage = getattr(product, field)
            if coverage != ALL:
                if not coverage:
                    problems.add(f"{where}.{field}", "list at least one id, or '*' for all")
                for j, ident in enumerate(coverage):
                    problems.known(f"{where}.{field}[{j}]", ident, known, what)
        for field in ("from_zone", "to_zone"):
            value = getattr(product, field)
            if value is not None:
                problems.known(f"{where}.{field}", value, zones, "zone")
                if product.zones != ALL and value in zones and value not in product.zones:
                    problems.add(
                        f"{where}.{field}", f"zone {value!r} is not in the product's zones"
                    )
        if product.networks != ALL:
            covered_ops = set(config.resolve(product.operators, "operators"))
            for j, ident in enumerate(product.networks):
                net = network_by_id.get(ident)
                if net is not None and not set(net.operators) & covered_ops:
                    problems.add(
                        f"{where}.networks[{j}]",
                        f"network {ident!r} is run by none of the product's operators",
                    )
        for j, medium in enumerate(product.fare_media or []):
            problems.known(f"{where}.fare_media[{j}]", medium, media, "fare medium")
        if product.facility is not None:
            problems.known(f"{where}.facility", product.facility, set(facilities), "facility")
            car_park = facilities.get(product.facility)
            if car_park is not None and product.operators != ALL:
                if car_park.operator not in product.operators:
                    problems.add(
                        f"{where}.operators",
                        f"the car park's operator {car_park.operator!r} must be covered "
                        "(it receives part of the revenue)",
                    )
    for category, _caps in config.capping.caps.items():
        problems.known(f"capping.caps.{category}", category, categories, "rider category")
    for i, band in enumerate(config.congestion.bands):
        problems.known(f"congestion.bands[{i}].zone", band.zone, zones, "zone")
        if band.adjustment_bp > config.congestion.max_surcharge_bp:
            problems.add(
                f"congestion.bands[{i}].adjustment_bp",
                f"{band.adjustment_bp} exceeds max_surcharge_bp "
                f"{config.congestion.max_surcharge_bp}",
            )
    for name in ("family", "group"):
        rule = getattr(config.group, name)
        for j, pid in enumerate(rule.products if rule else []):
            problems.known(f"group.{name}.products[{j}]", pid, set(products), "product")
    sharing = config.revenue_sharing
    for operator in sharing.default.shares or {}:
        problems.known(
            f"revenue_sharing.default.shares.{operator}", operator, operators, "operator"
        )
    ruled: set[str] = set()
    for i, rule in enumerate(sharing.rules):
        where = f"revenue_sharing.rules[{i}]"
        shared = products.get(rule.product)
        if shared is None:
            problems.add(f"{where}.product", f"unknown product {rule.product!r}")
            continue
        if rule.product in ruled:
            problems.add(f"{where}.product", f"a second rule for product {rule.product!r}")
        ruled.add(rule.product)
        covered = set(config.resolve(shared.operators, "operators"))
        for operator in rule.shares or {}:
            if operator not in operators:
                problems.add(f"{where}.shares.{operator}", f"unknown operator {operator!r}")
            elif operator not in covered:
                problems.add(
                    f"{where}.shares.{operator}",
                    f"operator {operator!r} is not covered by product {rule.product!r}",
                )
    return problems.items


def parse_tariffs(text: str, *, source: str = "") -> TariffConfig:
    """Parse and validate a tariff file's text; TariffConfigInvalid lists every problem."""
    return parse_file(text, TariffConfig, cross_check, TariffConfigInvalid, source=source)
