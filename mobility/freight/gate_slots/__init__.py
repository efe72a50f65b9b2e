"""Truck appointment slots at terminal gates: the slot grid, capacity and bookings."""
