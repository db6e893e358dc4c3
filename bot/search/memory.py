"""Hand the memory an index build freed back to the operating system.

Building the index allocates and frees a great deal — every practice's text and analysis, each
term's gathered postings — between allocations that stay (the postings, the packed practices).
glibc's allocator keeps the freed pages that lie between live ones resident: at 100,000
realistic practices that was a quarter of the worker (109 of 416 MB, measured), and it counted
towards its peak as the build went. `malloc_trim(0)` returns every whole free page, so the
build calls `release_free_memory` every few thousand practices and once it is done. Where the C
library has no `malloc_trim` (musl, macOS) this does nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache


@cache
def _malloc_trim() -> Callable[[int], int] | None:
    """The C library's `malloc_trim` (glibc), loaded on first use, or None where it has none."""
    import ctypes

    try:
        trim: Callable[[int], int] = ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return None
    return trim


def release_free_memory() -> None:
    """Return the allocator's free pages to the operating system (glibc; elsewhere nothing)."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)
