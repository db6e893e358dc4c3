"""Tests of bot.bankfile."""
