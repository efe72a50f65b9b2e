"""Every ticketing table, for Alembic (registered under the `mobility.models` entry point)."""

from __future__ import annotations

from ticketing.accounts import models as accounts_models
from ticketing.catalogue import models as catalogue_models
from ticketing.ledger import models as ledger_models
from ticketing.orders import models as orders_models
from ticketing.passes import models as passes_models
from ticketing.usage import models as usage_models

__all__ = [
    "accounts_models",
    "catalogue_models",
    "ledger_models",
    "orders_models",
    "passes_models",
    "usage_models",
]
