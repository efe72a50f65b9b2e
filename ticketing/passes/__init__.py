"""Passes: what a paid order entitles a traveller to, issued exactly once, shortened or revoked on
refund.
"""
