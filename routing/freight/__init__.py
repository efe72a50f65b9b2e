"""Freight routes on live data: the network read from the mobility database (cached per data
set version), and road time factors from the traffic side."""
