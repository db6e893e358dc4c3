"""Freed memory goes back to the operating system (glibc), so a worker's size is what it holds."""

from __future__ import annotations

import resource

import pytest

from bot.search import memory

glibc = pytest.mark.skipif(memory._glibc("malloc_trim") is None, reason="glibc's allocator only")


def resident_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize() / 2**20


@glibc
def test_pages_freed_between_live_ones_are_returned_by_a_release():
    """40 MB in 20 kB blocks, nine in ten freed among the tenth kept: a release returns them.

    Without it glibc keeps every freed page resident, as it did for a build's texts.
    """
    blocks = [bytearray(20_000) for _ in range(2_000)]
    for block in blocks:
        block[::4096] = b"x" * len(block[::4096])  # touch every page
    kept = blocks[::10]
    del blocks
    before = resident_mb()

    memory.release_free_memory()

    assert before - resident_mb() > 15
    assert len(kept) == 200


def test_a_release_is_safe_to_call_anywhere_and_again():
    """On any C library, any number of times: nothing raises, nothing is returned."""
    for _ in range(3):
        assert memory.release_free_memory() is None
