"""Tests of bot.moderation."""
