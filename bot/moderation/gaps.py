"""Which unmet searches are gaps in the bank, counted once however they were typed.

The search log holds everything people typed to the bot that ran as a search, and much of it
is not a search for a practice: a greeting ("hi", "thanks"), a plea ("help me"), or filters
alone (`focus:prevention`, which lists practices rather than asking about a subject). None of
those is a gap a moderator can fill or teach, so the `stats` report leaves them out. What is
left is grouped on what the search itself reads: the query's words with stopwords, chat words,
mentions and markup dropped, folded and stemmed ("Knife  ZZQX", "<@U1> knife zzqx please" and
"*knives zzqx*" are one gap), together with its filters, because "knife rating:worked" finding
nothing is a different gap from "knife" finding nothing. Each group shows its most often typed
spelling, cleaned of markup, and its latest run says whether only closest practices were found.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from bot.kernel.ports import SearchGap
from bot.kernel.text import blank_invisible
from bot.search.model import SearchFilters
from bot.search.query import parse_query, strip_chat_markup
from bot.search.tokenise import query_words

# Words that are conversation with the bot rather than a subject, beyond the chat words the
# search already drops (`bot.search.tokenise.CHAT_WORDS`). They stay searchable ("help for
# victims" still searches "help"); a query made only of them is just not reported as a gap.
CONVERSATION_WORDS: frozenset[str] = frozenset(
    {
        "help",
        "ok",
        "okay",
        "yes",
        "yeah",
        "yep",
        "no",
        "nope",
        "bye",
        "goodbye",
        "morning",
        "afternoon",
        "test",
        "testing",
        "ta",
        "thx",
        "ty",
        "sorry",
        "sure",
        "great",
        "cool",
        "nice",
        "lol",
        "welcome",
        "hmm",
        "bot",
    }
)

GapKey = tuple[tuple[str, ...], SearchFilters]


def shown_text(text: str) -> str:
    """The search as a moderator reads it in the report: markup, mentions and extra spaces gone."""
    return " ".join(strip_chat_markup(blank_invisible(text)).split())


def gap_key(text: str) -> GapKey | None:
    """What a search asked about (its words' stems, and its filters), or None for no subject.

    None for a search with no word that names a subject: chat alone, or filters alone.
    """
    parsed = parse_query(shown_text(text))
    words = query_words(parsed.text)
    if all(word.surface in CONVERSATION_WORDS for word in words):
        return None
    return tuple(word.stem for word in words), parsed.filters


def topic_gaps(gaps: Iterable[SearchGap]) -> list[SearchGap]:
    """The gaps that ask about a subject, merged by `gap_key`, most frequent first.

    A merged gap counts every run of its spellings, shows the spelling run most often (ties:
    the first given), and takes `partial_only`, `search_id` and `last_at` from its latest run.
    Ties in count are ordered by the text shown, so the report is stable.
    """
    merged: dict[GapKey, tuple[SearchGap, int]] = {}
    for gap in gaps:
        key = gap_key(gap.text)
        if key is None:
            continue
        seen = merged.get(key)
        if seen is None:
            merged[key] = (replace(gap, text=shown_text(gap.text)), gap.count)
            continue
        total, most = seen
        latest = gap if gap.search_id > total.search_id else total
        text = shown_text(gap.text) if gap.count > most else total.text
        counted = replace(latest, text=text, count=total.count + gap.count)
        merged[key] = (counted, max(most, gap.count))
    return sorted((gap for gap, _ in merged.values()), key=lambda gap: (-gap.count, gap.text))
