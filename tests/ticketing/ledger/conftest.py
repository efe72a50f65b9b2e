"""Fixtures of the ledger tests."""

from tests.ticketing.ledger.support import client

__all__ = ["client"]
