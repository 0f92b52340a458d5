"""Sending: send and quote, the status of sent messages, and the message history."""
