"""Congestion levels per traffic zone and time band, from scenario results, and their
publication to congestion-linked fares."""
