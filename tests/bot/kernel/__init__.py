"""Tests of bot.kernel."""
