"""Tests of bot.sharing."""
