"""Answer lengths are counted as chat clients count a text box, so dialogue and modal agree."""

from __future__ import annotations

from bot.sharing.questions import BY_FIELD, read_answer
from bot.sharing.validate import Invalid, length


def test_an_emoji_counts_as_two_as_slack_and_discord_count_it():
    """ "🚲" is two UTF-16 units, "é" one: the length a text box shows."""
    assert (length("🚲"), length("é"), length("abc")) == (2, 1, 3)


def test_a_title_of_100_emoji_is_taken_and_101_is_refused():
    """Up to 200 as the clients count: 100 bicycles fit, 101 are refused with the count."""
    title = BY_FIELD["title"]
    assert read_answer(title, "🚲" * 100) == "🚲" * 100
    refused = read_answer(title, "🚲" * 101)
    assert refused == Invalid(
        "That is 202 characters long; this answer can be at most 200. Please shorten it."
    )


def test_the_long_answers_allow_what_a_slack_text_input_holds():
    """Aim, what was done, evaluation and learning take 3000 characters, and no more."""
    for field in ("aim", "description", "evaluation", "learning"):
        question = BY_FIELD[field]
        assert read_answer(question, "x" * 3000) == "x" * 3000
        assert isinstance(read_answer(question, "x" * 3001), Invalid)
