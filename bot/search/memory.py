"""Hand the memory an index build freed back to the operating system.

Building the index allocates and frees a great deal — every practice's text and analysis, each
term's gathered postings — between allocations that stay (the postings, the packed practices).
glibc's allocator keeps the freed pages that lie between live ones resident: at 100,000
realistic practices that was a quarter of the worker (109 of 416 MB, measured), and it counted
towards its peak as the build went. `malloc_trim(0)` returns every whole free page, so the
build calls `release_free_memory` every few thousand practices and once it is done.

Where the C library is not glibc (musl, macOS) this does nothing.

Not done: fixing glibc's mmap threshold (`mallopt`) so that a query's big sets, freed, are
always unmapped. It kept 18 MB less resident after 300 queries at 100,000 practices but doubled
a query's CPU time (mapping and zeroing pages for every set), so a query's sets are instead
narrowed in place rather than copied (`PracticeSearch._search`).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache


@cache
def _glibc(name: str) -> Callable[..., int] | None:
    """A function of glibc's allocator, loaded on first use; None where libc is not glibc."""
    import ctypes

    try:
        function: Callable[..., int] = getattr(ctypes.CDLL("libc.so.6"), name)
    except (OSError, AttributeError):
        return None
    return function


def release_free_memory() -> None:
    """Return the allocator's free pages to the operating system (glibc; elsewhere nothing)."""
    trim = _glibc("malloc_trim")
    if trim is not None:
        trim(0)
