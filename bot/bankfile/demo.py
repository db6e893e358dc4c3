"""The demo bank that ships inside the package, so a newcomer can search something at once."""

from __future__ import annotations

from importlib import resources

from bot.bankfile import parse_bank_text
from bot.kernel.domain import Practice


def load_demo_practices() -> list[Practice]:
    """The 63 demo practices: facts of the public bank, summaries in our own words."""
    text = resources.files("bot.bankfile").joinpath("demo_bank.json").read_text(encoding="utf-8")
    return parse_bank_text(text, "json")
