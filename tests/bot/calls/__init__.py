"""Tests of bot.calls."""
