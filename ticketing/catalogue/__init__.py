"""The tariff catalogue: operators, zones, rider categories, products and their prices.

Loaded from an authority's tariff file (TOML, see config.py and data/sample/tariffs.toml).
"""
