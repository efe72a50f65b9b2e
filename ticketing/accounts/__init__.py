"""Traveller accounts: registration, login with short-lived access tokens and rotating refresh
tokens, proof of eligibility for reduced-fare rider categories."""
