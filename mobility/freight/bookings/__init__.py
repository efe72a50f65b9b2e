"""Bookings of intermodal freight routes: capacity held on dated service departures."""
