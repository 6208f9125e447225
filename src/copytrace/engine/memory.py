"""Allocator settings for a scan: batch-sized arrays are allocated and freed thousands of times.

glibc serves every block over its mmap threshold with a fresh mapping and unmaps it on free, so each batch's
arrays fault in new zeroed pages (on this project's 2-core machine page faults were half of the tokeniser's time).
Raising the mmap threshold to glibc's maximum and keeping freed memory in the heap lets the next batch reuse the
same pages. Between stages, when the corpus-wide arrays of one stage are freed, the heap is trimmed
(release_freed_memory): otherwise the process pool forked for the next stage would start from a heap full of
freed pages. Elsewhere than glibc this does nothing.
"""
from __future__ import annotations

import ctypes
import ctypes.util
import functools

_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3
#: glibc's largest mmap threshold on 64-bit systems (HEAP_MAX_SIZE / 2).
_MMAP_THRESHOLD_MAX = 32 * 1024 * 1024
_done = False


@functools.cache
def _libc():
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    except OSError:
        return None


def release_freed_memory() -> None:
    """Hand the heap's free pages back to the system (glibc's malloc_trim)."""
    trim = getattr(_libc(), "malloc_trim", None)
    if trim is not None:
        trim.argtypes = [ctypes.c_size_t]
        trim(0)


def reuse_freed_memory() -> bool:
    """Set the allocator up for batch work in this process and the ones it forks; True when it took effect."""
    global _done
    if _done:
        return True
    mallopt = getattr(_libc(), "mallopt", None)
    if mallopt is None:
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    # mallopt takes an int: 2 GiB of freed memory kept for reuse is plenty
    _done = bool(mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD_MAX)) and bool(mallopt(_M_TRIM_THRESHOLD, 2**31 - 1))
    return _done
