"""Tests of bot.followup."""
