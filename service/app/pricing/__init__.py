"""Pricing: stored tariffs (named price lists) and which one prices an account's messages."""
