"""Sender IDs: registration, the operator's decisions, shared senders, and the sending step."""
