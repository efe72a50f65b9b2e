"""Innovative tariffs applied: the tariff file mapped onto the pure algorithms of
ticketing.tariffs.
"""
