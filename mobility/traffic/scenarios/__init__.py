"""Scenarios of the road network: a base (network, demand, period) plus changes, and results."""
