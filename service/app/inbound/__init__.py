"""Two-way messaging: inbound messages (MO) received, joined, routed to accounts, threaded to the
messages they answer, acted on (opt-out keywords), and pushed to or pulled by the account."""
