"""Mailings: one text to groups, contacts and numbers, started, paused, resumed, cancelled."""
