"""Hostile text for user-facing paths: empty, 100 kB, control characters, emoji, RTL, injection."""

from __future__ import annotations

# What the store must keep exactly. NUL and lone surrogates are covered separately because
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

# What a person may type as an answer in the sharing dialogue (the last one is a valid title).
HOSTILE_ANSWERS: list[str] = [
    "",
    "x" * 100_000,
    "bell\x07 and \x1b[2J escape",
    "🚓 Operation 👮‍♀️",
    "منع الجريمة في الأحياء",
    "'; DROP TABLE submissions; --",
    "<!channel> @everyone <b>hi</b> *bold* [link](http://x)",
]
