"""The parts of `routing.timetable_builder`: queries, runs, patterns and block continuations."""
