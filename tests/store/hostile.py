"""Hostile text the store must keep exactly (what people may type into a chat)."""

from __future__ import annotations

# Kept exactly by every backend; NUL and lone surrogates are covered separately because
# PostgreSQL cannot store them (both backends store U+FFFD / "?" instead).
HOSTILE_TEXT: list[str] = [
    "",
    "x" * 100_000,
    "\x01\x07\x1b[31mred\x7f\x9f\r\n\t",
    "🚔🔪👮🏽‍♀️",
    "\u202eمرحبا בעולם\u202c",
    "'; DROP TABLE submissions; --",
    "<!channel> @everyone @here <@U123> *bold* <script>alert(1)</script>",
]
