"""The contact book: contacts, groups and the blacklist."""
