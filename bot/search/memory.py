"""Hand the memory an index build freed back to the operating system.

Building the index allocates and frees a great deal — every practice's text and analysis, each
term's gathered postings — between allocations that stay (the postings, the packed practices).
glibc's allocator keeps the freed pages that lie between live ones resident: at 100,000
realistic practices that was a quarter of the worker (109 of 416 MB, measured), and it counted
towards its peak as the build went. `malloc_trim(0)` returns every whole free page, so the
build calls `release_free_memory` every few thousand practices and once it is done.

Queries at that size make sets of tens of thousands of doc ids, megabytes each, and free them.
glibc maps an allocation that large on its own and unmaps it when freed, until the first such
free: then it raises its threshold to that size, and from there on they come from the heap and
stay resident after the query (18 MB more after 300 queries at 100,000 practices, measured).
`return_large_allocations` fixes the threshold at its default so they keep being returned.
Where the C library is not glibc (musl, macOS) both do nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

_M_MMAP_THRESHOLD = -3  # mallopt's parameter number in glibc's malloc.h
_MMAP_THRESHOLD = 128 * 1024  # glibc's default, fixed rather than raised as it goes


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


@cache
def return_large_allocations() -> None:
    """Keep large allocations mapped on their own, so freeing one returns it (once a process)."""
    mallopt = _glibc("mallopt")
    if mallopt is not None:
        mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD)
