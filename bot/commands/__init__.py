"""Requests outside a feature's dialogue: reading typed verbs, help, and the home page."""
