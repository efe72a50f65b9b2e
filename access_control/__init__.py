"""Pass tokens, signing keys, gates, validation and the gate-side client."""
