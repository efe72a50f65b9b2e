"""Payments behind one small provider interface: Stripe in production, a sandbox by default."""
