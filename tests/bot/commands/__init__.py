"""Tests of bot.commands."""
