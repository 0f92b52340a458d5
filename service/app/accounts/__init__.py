"""Accounts: balance for clients, and administration (accounts, API keys) for the CLI."""
