"""Moderation: decisions on submissions, publication of approved ones, and moderators' reports."""
