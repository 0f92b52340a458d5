"""Delivery: hand due messages to a carrier (the carrier port), apply its receipts, and push
status notifications from the outbox to clients' callback URLs."""
