"""Sub-clients: a parent's accounts, their funds, caps, statistics and settings."""
