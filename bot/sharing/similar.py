"""Published practices whose title resembles a draft's, shown before submitting.

rapidfuzz compares titles by their words in any order, which catches "Knife crime diversion
scheme" against "Diversion scheme for knife crime" and small spelling differences alike.
"""

from __future__ import annotations

from collections.abc import Sequence

from rapidfuzz import fuzz, process, utils

from bot.kernel.domain import Practice

SIMILAR_SCORE = 80
MAX_SIMILAR = 3


def similar_practices(
    title: str, practices: Sequence[Practice], *, limit: int = MAX_SIMILAR
) -> list[Practice]:
    """The practices whose titles are closest to `title`, best first (at most `limit`)."""
    if not title.strip() or not practices:
        return []
    titles = [p.title for p in practices]
    matches = process.extract(
        title,
        titles,
        scorer=fuzz.token_sort_ratio,
        processor=utils.default_process,
        score_cutoff=SIMILAR_SCORE,
        limit=limit,
    )
    return [practices[index] for _, _, index in matches]
