"""Journey planning, traffic assignment, freight routes and fleet plans."""
