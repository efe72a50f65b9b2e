"""A double-entry ledger of every money movement; entries are appended, never updated."""
