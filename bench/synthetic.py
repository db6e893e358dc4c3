"""Synthetic practice banks of any size, recombined from the demo bank's words with a fixed seed.

Two kinds: `thin` practices carry a title and summary only (as the demo bank does);
`realistic` ones also carry the narrative fields a real listing has (aim, what was done,
evaluation, learning) of about 100 words each, which is what makes a real bank's index large.
"""

from __future__ import annotations

import os
import random
import re
import tempfile
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from bench.common import load_demo_bank
from bot.kernel.domain import Effectiveness, Focus, LinkedTo, Practice, Visibility, format_ref

_WORD = re.compile(r"[\w'’-]+")
_FILLER_TEXT = (
    "the team worked with partners over the period and the results were reviewed by the "
    "board after each quarter with data from local services officers staff residents and "
    "schools which showed changes in reported incidents and in how people felt about safety"
)


KINDS = ("thin", "realistic")


def synthetic_bank(
    demo: list[Practice], size: int, seed: int = 7, *, kind: str = "thin"
) -> list[Practice]:
    """`size` practices whose titles and summaries recombine the demo bank's words.

    Every 50th practice is restricted and every 100th archived, as a real bank has some of both;
    organisations come from a pool that grows with the bank so the vocabulary grows too. A
    `realistic` bank also fills the narrative fields with 80 to 120 words each.
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}")
    rng = random.Random(seed)
    title_words = [w for p in demo for w in _WORD.findall(p.title)]
    summary_words = [w for p in demo for w in _WORD.findall(p.summary)]
    # Narrative prose mentions many things in passing: summary and title words, plus plain
    # filler words of the kind every report uses, so the narrative fields are long but generic.
    narrative_words = summary_words + title_words + _FILLER_TEXT.split()
    topics = sorted({t for p in demo for t in p.topics})
    places = [f"{rng.choice(title_words).capitalize()}shire" for _ in range(max(10, size // 200))]
    archived = datetime(2024, 1, 1, tzinfo=UTC)
    bank: list[Practice] = []
    for number in range(1, size + 1):
        base = demo[number % len(demo)]
        title = " ".join(rng.choices(title_words, k=rng.randint(3, 8)))
        summary = " ".join(rng.choices(summary_words, k=rng.randint(15, 35)))
        practice = replace(
            base,
            ref=format_ref(number),
            title=title[:1].upper() + title[1:],
            summary=summary,
            effectiveness=rng.choice(list(Effectiveness)),
            focus=tuple(sorted(set(rng.choices(list(Focus), k=rng.randint(1, 2))))),
            topics=tuple(rng.sample(topics, k=rng.randint(0, 1))),
            organisation=f"{rng.choice(places)} Police" if rng.random() < 0.7 else None,
            linked_to=(rng.choice(list(LinkedTo)),) if rng.random() < 0.2 else (),
            visibility=Visibility.RESTRICTED if number % 50 == 0 else Visibility.PUBLIC,
            archived_at=archived if number % 100 == 0 else None,
        )
        if kind == "realistic":

            def prose() -> str:
                return " ".join(rng.choices(narrative_words, k=rng.randint(80, 120)))

            practice = replace(
                practice, aim=prose(), description=prose(), evaluation=prose(), learning=prose()
            )
        bank.append(practice)
    return bank


def synthetic_queries(
    demo: list[Practice], labelled: list[str], count: int, seed: int = 11
) -> list[str]:
    """The labelled queries plus `count` random one-to-three word queries, a fifth misspelt."""
    rng = random.Random(seed)
    words = [w for p in demo for w in _WORD.findall(p.title + " " + p.summary) if len(w) > 3]
    queries = list(labelled)
    for _ in range(count):
        picked = rng.sample(words, k=rng.randint(1, 3))
        if rng.random() < 0.2:
            word = picked[0]
            cut = rng.randrange(1, len(word) - 1)
            picked[0] = word[:cut] + word[cut + 1 :]
        queries.append(" ".join(picked))
    return queries


BANK_FORMAT = 1
"""Bumped when `synthetic_bank` or the schema changes, so a cached bank file is not reused."""


def bank_cache_dir() -> Path:
    """Where generated bank files are kept between runs (safe to delete)."""
    return Path(os.environ.get("PRACTICEBANK_BENCH_CACHE") or tempfile.gettempdir()) / (
        "practicebank-bench"
    )


def bank_file(kind: str, size: int, seed: int = 7) -> Path:
    """A SQLite bank file holding `synthetic_bank(size, seed, kind)`, generated once and cached.

    Generating and importing a large realistic bank takes minutes, and the process that does it
    holds the whole bank in memory, so it is done once here and every measured worker starts
    in a fresh process from the file. The file is written under a temporary name and renamed,
    so an interrupted run leaves no half bank behind. The schema is migrated to head on every
    call (a no-op when current), so an older cached file still opens.
    """
    from store.engine import make_engine
    from store.migrate import upgrade
    from store.repositories import SqlUnitOfWorkFactory

    folder = bank_cache_dir()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"bank-{kind}-{size}-{seed}-v{BANK_FORMAT}.db"
    if not path.exists():
        partial = path.with_suffix(".partial")
        partial.unlink(missing_ok=True)
        engine = make_engine(f"sqlite:///{partial}")
        upgrade(engine)
        bank = synthetic_bank(load_demo_bank(), size, seed, kind=kind)
        factory = SqlUnitOfWorkFactory(engine)
        for start in range(0, len(bank), 5000):
            with factory() as uow:
                uow.practices.upsert_many(bank[start : start + 5000])
                uow.commit()
        engine.dispose()
        partial.rename(path)
    return path
