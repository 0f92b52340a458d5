"""The SMPP server's use cases beyond sending: binds (credentials, session limits) and the
durable queue of receipts owed to SMPP clients (docs/smpp-server.md)."""
