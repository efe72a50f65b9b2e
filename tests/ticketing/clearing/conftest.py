"""Fixtures of the clearing tests."""

from tests.ticketing.ledger.support import client

__all__ = ["client"]
