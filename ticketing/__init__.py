"""Products, fares, tariff policies, accounts, orders, payments and the ledger."""
