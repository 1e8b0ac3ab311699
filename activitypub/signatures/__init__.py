"""HTTP signatures (placeholder until the protocol library lands)."""
